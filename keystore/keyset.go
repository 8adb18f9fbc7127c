package keystore

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

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
	)
}

// record is the stored form. It is the only place the secret is a plain
// string, and it exists only between encoding and handing it to the keyring.
// Items written before allow_export existed lack the field and decode as
// not exportable, which is what they were meant to be.
type record struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	MFASerial       string `json:"mfa_serial"`
	AllowExport     bool   `json:"allow_export,omitempty"`
}

func encode(k KeySet) ([]byte, error) {
	return json.Marshal(record{
		AccessKeyID:     k.AccessKeyID,
		SecretAccessKey: k.SecretAccessKey.Reveal(),
		MFASerial:       k.MFASerial,
		AllowExport:     k.AllowExport,
	})
}

// decode never wraps the JSON error: a syntax error quotes the offending
// byte, and that byte may belong to the secret.
func decode(name string, data []byte) (KeySet, error) {
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return KeySet{}, fmt.Errorf("key set %s: the keyring item is not a spin key set (%d bytes, not valid JSON)", name, len(data))
	}
	k := KeySet{Name: name, AccessKeyID: r.AccessKeyID, SecretAccessKey: secret.New(r.SecretAccessKey), MFASerial: r.MFASerial, AllowExport: r.AllowExport}
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
