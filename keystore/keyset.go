package keystore

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/cloudspin/spin/internal/secret"
)

// KeySet is one named long-term AWS key: what `spin keys add NAME` stores.
type KeySet struct {
	Name            string        `json:"name"`
	AccessKeyID     string        `json:"access_key_id"`
	SecretAccessKey secret.String `json:"secret_access_key"`
	MFASerial       string        `json:"mfa_serial,omitempty"`
	// AllowExport lets bootstrap profiles without MFA receive the long-term
	// keys themselves. It is stored with the key set in the keyring, not
	// in config.yaml, so that editing a file cannot grant it.
	AllowExport bool `json:"allow_export,omitempty"`
	// Created is when the current access key was made: IAM's CreateDate
	// for a key spin created by rotation, else when it was added. Zero
	// for key sets stored before spin recorded it.
	Created time.Time `json:"created,omitzero"`
	// Pending is the new access key of a rotation that has not finished:
	// stored before anything else is done with it, so an interruption
	// never loses it and the next rotation finishes the job.
	Pending *PendingKey `json:"pending,omitempty"`
	// Retiring is the access key id a rotation replaced and has not yet
	// deleted (or deactivated) in IAM.
	Retiring string `json:"retiring,omitempty"`
}

// PendingKey is an access key IAM created for a rotation in progress.
type PendingKey struct {
	AccessKeyID     string        `json:"access_key_id"`
	SecretAccessKey secret.String `json:"secret_access_key"`
	Created         time.Time     `json:"created,omitzero"`
}

var (
	nameRE        = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)
	longTermKeyRE = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
	// AWS's SerialNumber pattern: a virtual device ARN or a hardware serial.
	mfaSerialRE = regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`)
)

// ValidName reports whether name can name a key set. Names become keyring
// item keys and pass file names, so they stay within a portable alphabet.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// Validate checks the shape of every field. Its messages never echo the
// key id or the secret: a user who pastes the secret into the key-id prompt
// must not find it in an error message, a log or a terminal scrollback.
func (k KeySet) Validate() error {
	if !ValidName(k.Name) {
		return fmt.Errorf("key set name %q: use 1 to 64 of A-Z a-z 0-9 _ . @ -", truncate(k.Name, 70))
	}
	id := k.AccessKeyID
	switch {
	case len(id) >= 4 && id[:4] == "ASIA":
		return fmt.Errorf("key set %s: access key id %s is a temporary (ASIA) key: spin stores only long-term (AKIA) keys, because temporary keys expire and need a session token", k.Name, secret.MaskKeyID(id))
	case !longTermKeyRE.MatchString(id):
		return fmt.Errorf("key set %s: access key id must be AKIA followed by 16 upper-case letters or digits (got %d characters)", k.Name, len(id))
	}
	if err := checkSecret(k.SecretAccessKey.Reveal()); err != nil {
		return fmt.Errorf("key set %s: secret access key %w", k.Name, err)
	}
	if k.Pending != nil {
		if !longTermKeyRE.MatchString(k.Pending.AccessKeyID) {
			return fmt.Errorf("key set %s: the pending access key id must be AKIA followed by 16 upper-case letters or digits", k.Name)
		}
		if err := checkSecret(k.Pending.SecretAccessKey.Reveal()); err != nil {
			return fmt.Errorf("key set %s: the pending secret access key %w", k.Name, err)
		}
	}
	if k.Retiring != "" && !longTermKeyRE.MatchString(k.Retiring) {
		return fmt.Errorf("key set %s: the retiring access key id must be AKIA followed by 16 upper-case letters or digits", k.Name)
	}
	if k.MFASerial != "" && !mfaSerialRE.MatchString(k.MFASerial) {
		return fmt.Errorf("key set %s: mfa serial must be an MFA device ARN (arn:aws:iam::ACCOUNT:mfa/NAME) or a hardware serial", k.Name)
	}
	return nil
}

// checkSecret is lenient about the exact length (AWS issues 40 characters,
// emulators and future formats may differ) but catches the usual paste
// mistakes: nothing, a stray space or newline, or the key id itself.
func checkSecret(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if len(s) < 20 || len(s) > 128 {
		return fmt.Errorf("must be about 40 characters (got %d)", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return errors.New("contains a space, a control or a non-ASCII character")
		}
	}
	return nil
}

// LogValue makes slog show the key set with a masked key id and no secret.
func (k KeySet) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", k.Name),
		slog.String("access_key_id", secret.MaskKeyID(k.AccessKeyID)),
		slog.String("mfa_serial", k.MFASerial),
		slog.Bool("allow_export", k.AllowExport),
		slog.Time("created", k.Created),
		slog.String("pending", k.pendingID()),
	)
}

func (k KeySet) pendingID() string {
	if k.Pending == nil {
		return ""
	}
	return secret.MaskKeyID(k.Pending.AccessKeyID)
}

// record is the stored form. It is the only place the secret is a plain
// string, and it exists only between encoding and handing it to the keyring.
// Items written before allow_export existed lack the field and decode as
// not exportable, which is what they were meant to be.
type record struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	MFASerial       string    `json:"mfa_serial"`
	AllowExport     bool      `json:"allow_export,omitempty"`
	Created         time.Time `json:"created,omitzero"`
	PendingID       string    `json:"pending_access_key_id,omitempty"`
	PendingSecret   string    `json:"pending_secret_access_key,omitempty"`
	PendingCreated  time.Time `json:"pending_created,omitzero"`
	Retiring        string    `json:"retiring_access_key_id,omitempty"`
}

func encode(k KeySet) ([]byte, error) {
	r := record{
		AccessKeyID:     k.AccessKeyID,
		SecretAccessKey: k.SecretAccessKey.Reveal(),
		MFASerial:       k.MFASerial,
		AllowExport:     k.AllowExport,
		Created:         k.Created,
		Retiring:        k.Retiring,
	}
	if k.Pending != nil {
		r.PendingID, r.PendingSecret, r.PendingCreated = k.Pending.AccessKeyID, k.Pending.SecretAccessKey.Reveal(), k.Pending.Created
	}
	return json.Marshal(r)
}

// decode never wraps the JSON error: a syntax error quotes the offending
// byte, and that byte may belong to the secret.
func decode(name string, data []byte) (KeySet, error) {
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return KeySet{}, fmt.Errorf("key set %s: the keyring item is not a spin key set (%d bytes, not valid JSON)", name, len(data))
	}
	k := KeySet{Name: name, AccessKeyID: r.AccessKeyID, SecretAccessKey: secret.New(r.SecretAccessKey), MFASerial: r.MFASerial,
		AllowExport: r.AllowExport, Created: r.Created, Retiring: r.Retiring}
	if r.PendingID != "" {
		k.Pending = &PendingKey{AccessKeyID: r.PendingID, SecretAccessKey: secret.New(r.PendingSecret), Created: r.PendingCreated}
	}
	if err := k.Validate(); err != nil {
		return KeySet{}, fmt.Errorf("stored %w", err)
	}
	return k, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
