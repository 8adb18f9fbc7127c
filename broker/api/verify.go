package api

// VerifySuffix ends POST /v1/keys/{name}/verify: spind calls STS
// GetCallerIdentity with the key set's long-term keys ('spin doctor'), so
// a wrong secret or an access key deleted in IAM shows before a profile
// needs it.
const VerifySuffix = "/verify"

// KeyVerify is the answer of a key set STS accepted.
type KeyVerify struct {
	Name        string `json:"name"`
	AccessKeyID string `json:"access_key_id"` // masked
	ARN         string `json:"arn"`           // the IAM user (or root) the keys belong to
}
