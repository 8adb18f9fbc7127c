package awsemu

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"
)

// DefaultAccount is the account of a key that names none.
const DefaultAccount = "123456789012"

// Key is a long-term IAM access key the emulator accepts. A key without
// UserName stands for the account's root user.
type Key struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	UserName        string `json:"user_name"`
	Account         string `json:"account"`
	Disabled        bool   `json:"disabled"`
	MFASerial       string `json:"mfa_serial"`
	MFASecret       string `json:"mfa_secret"` // base32 TOTP secret
	// CreateDate is what IAM's ListAccessKeys reports; zero means when the
	// emulator learnt the key.
	CreateDate time.Time `json:"create_date,omitzero"`
}

// String names the key without its secrets, so a stray %v cannot leak them.
func (k Key) String() string {
	return fmt.Sprintf("Key{%s user=%q account=%s}", k.AccessKeyID, k.UserName, k.Account)
}

// LogValue keeps secrets out of structured logs.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", k.AccessKeyID),
		slog.String("user_name", k.UserName), slog.String("account", k.Account))
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// LoadKeys reads a JSON file of the form {"keys": [{"access_key_id": ...}]}.
// Unknown fields, duplicate or temporary (ASIA) key ids, a missing secret, a
// malformed account or an undecodable MFA secret are errors.
func LoadKeys(path string) ([]Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Keys []Key `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	seen := make(map[string]bool)
	for i, k := range file.Keys {
		if err := validateKey(k); err != nil {
			return nil, fmt.Errorf("%s: keys[%d]: %w", path, i, err)
		}
		if seen[k.AccessKeyID] {
			return nil, fmt.Errorf("%s: keys[%d]: duplicate access_key_id %s", path, i, k.AccessKeyID)
		}
		seen[k.AccessKeyID] = true
	}
	return file.Keys, nil
}

func validateKey(k Key) error {
	switch {
	case k.AccessKeyID == "":
		return fmt.Errorf("access_key_id is empty")
	case strings.HasPrefix(k.AccessKeyID, "ASIA"):
		return fmt.Errorf("access_key_id %s is a temporary key id", k.AccessKeyID)
	case k.SecretAccessKey == "":
		return fmt.Errorf("secret_access_key of %s is empty", k.AccessKeyID)
	case k.Account != "" && !accountRE.MatchString(k.Account):
		return fmt.Errorf("account of %s is not 12 digits", k.AccessKeyID)
	case (k.MFASerial == "") != (k.MFASecret == ""):
		return fmt.Errorf("mfa_serial and mfa_secret of %s must be set together", k.AccessKeyID)
	}
	if k.MFASecret != "" {
		if _, err := decodeTOTPSecret(k.MFASecret); err != nil {
			return fmt.Errorf("mfa_secret of %s: %w", k.AccessKeyID, err)
		}
	}
	return nil
}

// session is a set of temporary credentials the emulator issued.
type session struct {
	accessKeyID string
	secret      string
	token       string
	expires     time.Time
	disabled    bool
	mfa         bool  // a GetSessionToken session made with an MFA code
	source      Key   // the long-term key at the root of the chain
	role        *role // nil for GetSessionToken sessions
}

// role is the identity of an assumed-role session.
type role struct {
	account     string
	name        string // last path element of the role ARN
	id          string // AROA...
	sessionName string
	partition   string
	// federated marks a GetFederationToken session: a federated user
	// (id is then the account, name and sessionName the user's name).
	federated bool
	attr      attribution // source identity and session tags (sts_attrib.go)
}

func (r *role) arn() string {
	if r.federated {
		return "arn:" + r.partition + ":sts::" + r.account + ":federated-user/" + r.name
	}
	return "arn:" + r.partition + ":sts::" + r.account + ":assumed-role/" + r.name + "/" + r.sessionName
}

// identity is what GetCallerIdentity reports for a caller.
func identity(src Key, r *role) (arn, userID, account string) {
	if r != nil {
		return r.arn(), r.id + ":" + r.sessionName, r.account
	}
	if src.UserName == "" {
		return "arn:aws:iam::" + src.Account + ":root", src.Account, src.Account
	}
	return "arn:aws:iam::" + src.Account + ":user/" + src.UserName,
		stableID("AIDA", src.Account+":"+src.UserName), src.Account
}

// stableID derives an IAM-style unique id (prefix + 17 characters) from
// seed, so the same user or role always gets the same id, as in AWS.
func stableID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// newSession makes fresh random credentials. rand.Text is base32: upper
// case letters and digits, the alphabet of real key ids.
func newSession(src Key, r *role, expires time.Time) *session {
	return &session{
		accessKeyID: "ASIA" + rand.Text()[:16],
		secret:      randomBase64(30), // 40 characters
		token:       randomBase64(300),
		expires:     expires,
		source:      src,
		role:        r,
	}
}

func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand docs)
	return base64.StdEncoding.EncodeToString(b)
}

// newRequestID returns a random UUID, the form STS request ids take.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
