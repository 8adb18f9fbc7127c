// Package api is the wire contract between spind and its clients: paths,
// JSON shapes, error codes and where the socket lives. It imports nothing
// heavy so that the credential helper, which links it, stays fast to start.
package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/secret"
)

// Paths of the versioned protocol.
const (
	PathCredentials = "/v1/credentials/" // + profile, optional ?session_name=
	PathKeys        = "/v1/keys"         // GET list; GET/PUT/DELETE /v1/keys/{name}
	PathUnlock      = "/v1/unlock"
	PathLock        = "/v1/lock"
	PathStatus      = "/v1/status"
	PathReload      = "/v1/reload"
	PathShutdown    = "/v1/shutdown"
	PathMFA         = "/v1/mfa/"     // + profile
	PathSessions    = "/v1/sessions" // DELETE; /v1/sessions/{profile} for one
)

// MaxRequestBody bounds every request body spind reads.
const MaxRequestBody = 64 << 10

// Error codes carried in Error.Code.
const (
	CodeBadRequest     = "bad_request"
	CodeUnknownProfile = "unknown_profile"
	CodeKeySetMissing  = "key_set_missing"
	CodeLocked         = "locked"
	CodeMFARequired    = "mfa_required"
	CodeMFAFailed      = "mfa_failed" // a code was given and refused: asking again at once would not help
	// CodeSigninRequired: the profile's source needs a sign-in (sso, login:
	// `spin login SOURCE`) or, for web_identity, what only the CLI's
	// environment holds. Error.Source names the source.
	CodeSigninRequired = "signin_required"
	CodeSTSFailed      = "sts_failed"
	// CodeAWSUnreachable: the call to AWS got no answer (network, proxy,
	// endpoint), so nothing is known about what was asked.
	CodeAWSUnreachable = "aws_unreachable"
	CodeConfigInvalid  = "config_invalid"
	CodeKeyring        = "keyring_error"
	CodeConflict       = "conflict"
	CodeNotFound       = "not_found"
	CodeInternal       = "internal"
	// CodeExportRefused: a bootstrap profile without MFA asked for the
	// long-term keys of a key set that was not granted allow-export.
	CodeExportRefused = "export_not_allowed"
	// CodeCallerNotAllowed: the program that asked is not among the
	// profile's allowed_callers.
	CodeCallerNotAllowed = "caller_not_allowed"
	// CodeForbidden: the request is well formed but its proof is wrong
	// (allow-export with a secret that is not the key set's).
	CodeForbidden = "forbidden"
)

// Error is the JSON body of every non-2xx response. Message is one line that
// names the profile or key set; Hint is the next command to run.
type Error struct {
	Code    string `json:"error"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	// Prompt, on mfa_required, tells this caller that it is the one to ask
	// for the code (POST /v1/mfa/{profile}); on signin_required, that it is
	// the one to run the source's sign-in. Others wait for that answer.
	Prompt bool `json:"prompt,omitempty"`
	// Source and SourceKind, on signin_required, name the source to sign
	// in to and its kind (sso, login, web_identity).
	Source     string `json:"source,omitempty"`
	SourceKind string `json:"source_kind,omitempty"`
}

// QueryMFAPrompt, as ?mfa=prompt on a credentials request, says the caller
// can ask the user for an MFA code (a terminal or SPIN_MFA_COMMAND).
const QueryMFAPrompt = "prompt"

// QueryConfig, as ?config=PATH on a credentials request, is the spin
// config the helper's credential_process line names (its --config): spind
// serves one config, and a profile of another would otherwise be looked
// up, and refused as unknown, in the wrong file.
const QueryConfig = "config"

// QuerySigninPrompt, as ?signin=prompt, says the caller can run a
// source's sign-in itself (a helper in the terminal's foreground, which
// runs 'spin login'); spind answers the first such caller signin_required
// with Prompt set and holds the others until that sign-in ends
// (POST /v1/signin/{source}/complete, or /cancel when it failed).
const QuerySigninPrompt = "prompt"

// QueryTemporary is the query parameter (value "1") by which a caller asks
// for session credentials only: `spin exec`'s endpoint, whose container
// credentials shape needs a Token. For a profile without role_arn and MFA,
// spind then hands out a GetSessionToken session (as aws-vault exec does)
// instead of the long-term keys.
const QueryTemporary = "temporary"

func (e *Error) Error() string {
	if e.Hint != "" {
		return e.Message + ": " + e.Hint
	}
	return e.Message
}

// Credentials are what spind hands out. Expiration is zero for long-term
// keys (bootstrap profiles without MFA).
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey secret.String
	SessionToken    secret.String
	Expiration      time.Time
	// AccountID is the account the credentials belong to, when known
	// (role sessions, SSO); SDKs use it for account-based endpoints.
	AccountID string

	// rendered is these credentials' credential_process JSON, made once by
	// Rendered for a session served many times.
	rendered *renderedJSON
}

type renderedJSON struct {
	keyID      string
	accountID  string
	expiration time.Time
	json       []byte
}

// processJSON is the credential_process output format that AWS SDKs read.
// It exists only at the wire boundary; everywhere else secrets stay wrapped.
type processJSON struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
	AccountID       string `json:"AccountId,omitempty"`
}

// Rendered returns c carrying its credential_process JSON, so that
// WriteProcessJSON copies bytes instead of encoding c each time.
func (c Credentials) Rendered() Credentials {
	var buf bytes.Buffer
	c.rendered = nil
	if c.WriteProcessJSON(&buf) == nil {
		c.rendered = &renderedJSON{keyID: c.AccessKeyID, accountID: c.AccountID, expiration: c.Expiration, json: buf.Bytes()}
	}
	return c
}

// WriteProcessJSON writes c in the credential_process format.
func (c Credentials) WriteProcessJSON(w io.Writer) error {
	// The JSON is used only while it still says what c says: a copy whose
	// Expiration was moved must be encoded afresh.
	if r := c.rendered; r != nil && r.keyID == c.AccessKeyID && r.accountID == c.AccountID && r.expiration.Equal(c.Expiration) {
		_, err := w.Write(r.json)
		return err
	}
	p := processJSON{
		Version:         1,
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey.Reveal(),
		SessionToken:    c.SessionToken.Reveal(),
		AccountID:       c.AccountID,
	}
	if !c.Expiration.IsZero() {
		p.Expiration = c.Expiration.UTC().Format(time.RFC3339)
	}
	return json.NewEncoder(w).Encode(p)
}

// DecodeProcessJSON reads credential_process JSON.
func DecodeProcessJSON(r io.Reader) (Credentials, error) {
	var p processJSON
	if err := json.NewDecoder(io.LimitReader(r, MaxRequestBody)).Decode(&p); err != nil {
		return Credentials{}, fmt.Errorf("decode credentials: %w", err)
	}
	if p.Version != 1 || p.AccessKeyID == "" || p.SecretAccessKey == "" {
		return Credentials{}, fmt.Errorf("decode credentials: incomplete credential_process JSON")
	}
	c := Credentials{
		AccessKeyID:     p.AccessKeyID,
		SecretAccessKey: secret.New(p.SecretAccessKey),
		SessionToken:    secret.New(p.SessionToken),
		AccountID:       p.AccountID,
	}
	if p.Expiration != "" {
		t, err := time.Parse(time.RFC3339, p.Expiration)
		if err != nil {
			return Credentials{}, fmt.Errorf("decode credentials: expiration: %w", err)
		}
		c.Expiration = t
	}
	return c, nil
}

// KeyRequest is the body of PUT /v1/keys/{name}.
type KeyRequest struct {
	AccessKeyID     string
	SecretAccessKey secret.String
	MFASerial       string
	Force           bool
	// AllowExport lets bootstrap profiles without MFA receive these
	// long-term keys (spin keys add --allow-export).
	AllowExport bool
}

type keyRequestJSON struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	MFASerial       string `json:"mfa_serial,omitempty"`
	Force           bool   `json:"force,omitempty"`
	AllowExport     bool   `json:"allow_export,omitempty"`
}

// Encode writes the request body. The secret leaves the process only here.
func (k KeyRequest) Encode(w io.Writer) error {
	return json.NewEncoder(w).Encode(keyRequestJSON{
		AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey.Reveal(),
		MFASerial: k.MFASerial, Force: k.Force, AllowExport: k.AllowExport,
	})
}

// ExportRequest is the body of PUT /v1/keys/{name}/export. Granting needs
// the key set's secret access key: a process that can reach the socket but
// never had the secret must not be able to make spind hand it out.
// Revoking needs nothing.
type ExportRequest struct {
	Allow           bool
	SecretAccessKey secret.String
}

type exportJSON struct {
	Allow           bool   `json:"allow"`
	SecretAccessKey string `json:"secret_access_key,omitempty"`
}

// Encode writes the request body.
func (e ExportRequest) Encode(w io.Writer) error {
	return json.NewEncoder(w).Encode(exportJSON{Allow: e.Allow, SecretAccessKey: e.SecretAccessKey.Reveal()})
}

// decodeStrict reads a request body of wire type J and converts it with
// to. Unknown fields are refused: a misspelt field of a request that
// carries a secret must fail, not be dropped.
func decodeStrict[J, T any](r io.Reader, what string, to func(J) T) (T, error) {
	var j J
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		var zero T
		return zero, fmt.Errorf("decode %s: %w", what, err)
	}
	return to(j), nil
}

// DecodeExportRequest reads a PUT /v1/keys/{name}/export body.
func DecodeExportRequest(r io.Reader) (ExportRequest, error) {
	return decodeStrict(r, "export request", func(j exportJSON) ExportRequest {
		return ExportRequest{Allow: j.Allow, SecretAccessKey: secret.New(j.SecretAccessKey)}
	})
}

// DecodeKeyRequest reads a PUT /v1/keys body.
func DecodeKeyRequest(r io.Reader) (KeyRequest, error) {
	return decodeStrict(r, "key request", func(j keyRequestJSON) KeyRequest {
		return KeyRequest{AccessKeyID: j.AccessKeyID, SecretAccessKey: secret.New(j.SecretAccessKey),
			MFASerial: j.MFASerial, Force: j.Force, AllowExport: j.AllowExport}
	})
}

// UnlockRequest is the body of POST /v1/unlock.
type UnlockRequest struct{ Passphrase secret.String }

type unlockJSON struct {
	Passphrase string `json:"passphrase"`
}

// Encode writes the request body.
func (u UnlockRequest) Encode(w io.Writer) error {
	return json.NewEncoder(w).Encode(unlockJSON{Passphrase: u.Passphrase.Reveal()})
}

// DecodeUnlockRequest reads a POST /v1/unlock body.
func DecodeUnlockRequest(r io.Reader) (UnlockRequest, error) {
	return decodeStrict(r, "unlock request", func(j unlockJSON) UnlockRequest {
		return UnlockRequest{Passphrase: secret.New(j.Passphrase)}
	})
}

// KeyInfo describes a stored key set without its secret.
type KeyInfo struct {
	Name        string `json:"name"`
	AccessKeyID string `json:"access_key_id"` // masked
	MFASerial   string `json:"mfa_serial,omitempty"`
	AllowExport bool   `json:"allow_export,omitempty"`
	// Created is when the access key was made (zero: unknown).
	Created time.Time `json:"created,omitzero"`
	// RotationPending: a rotation stopped halfway; 'spin keys rotate'
	// finishes it.
	RotationPending bool `json:"rotation_pending,omitempty"`
	// AgeWarning is set past keys.max_age.
	AgeWarning string `json:"age_warning,omitempty"`
}

// Status is the body of GET /v1/status.
type Status struct {
	PID       int       `json:"pid"`
	Version   string    `json:"version"`
	StartedAt time.Time `json:"started_at"`
	Backend   string    `json:"backend"`
	Locked    bool      `json:"locked"`
	// KeyringError and KeyringHint say why the keyring does not open;
	// set only when the status request asked to check it
	// (?keyring=check, what `spin daemon start` does).
	KeyringError string `json:"keyring_error,omitempty"`
	KeyringHint  string `json:"keyring_hint,omitempty"`
	LockAfter    string `json:"lock_after,omitempty"` // keyring.lock_after, when set
	// KeyringNew: the file keyring has no passphrase yet; the next unlock
	// sets it (spin asks twice and checks the strength floor).
	KeyringNew bool   `json:"keyring_new,omitempty"`
	ConfigPath string `json:"config_path"`
	// ConfigError is why config.yaml does not load (file:line:col, one
	// line per problem) and ConfigHint the next step.
	ConfigError string          `json:"config_error,omitempty"`
	ConfigHint  string          `json:"config_hint,omitempty"`
	BuildNote   string          `json:"build_note,omitempty"` // what this build lacks, e.g. the Keychain
	Goroutines  int             `json:"goroutines"`
	RSSBytes    int64           `json:"rss_bytes"`
	Requests    int64           `json:"requests"`
	Sessions    []SessionStatus `json:"sessions"`
	Sources     []SourceStatus  `json:"sources"`
	// Endpoints are the endpoint overrides in use by service (sts, sso,
	// sso_oidc, signin, s3, iam); absent means AWS's own endpoints.
	Endpoints map[string]string `json:"endpoints,omitempty"`
	// Network is the proxy and CA bundle in use; nil means none.
	Network *NetworkStatus `json:"network,omitempty"`
	// NetFrom says where endpoints and network came from: "config.yaml",
	// "environment" (of an explicit start) or both.
	NetFrom string `json:"net_from,omitempty"`
	// KeyWarnings are key sets in memory whose keys are past keys.max_age.
	KeyWarnings []KeyWarning `json:"key_warnings,omitempty"`
	// Callers are the last credentials requests of each profile (who
	// asked), oldest first; `spin audit` reads the full log.
	Callers []audit.Record `json:"callers,omitempty"`
	// KeySets are the key sets profiles name, with their MFA sessions.
	KeySets []KeySetStatus `json:"key_sets,omitempty"`
	// Failures are profiles whose last request failed without a session.
	Failures []FailureStatus `json:"failures,omitempty"`
}

// NetworkStatus is how spind reaches AWS when not directly.
type NetworkStatus struct {
	HTTPSProxy string `json:"https_proxy,omitempty"` // password masked
	NoProxy    string `json:"no_proxy,omitempty"`
	CABundle   string `json:"ca_bundle,omitempty"`
}

// SessionStatus describes one cached session.
type SessionStatus struct {
	Profile     string    `json:"profile"`
	SessionName string    `json:"session_name"`
	RoleARN     string    `json:"role_arn,omitempty"`
	Expiration  time.Time `json:"expiration"`
	STSCalls    int       `json:"sts_calls"`
	CacheHits   int       `json:"cache_hits"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}
