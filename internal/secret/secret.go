// Package secret provides a string type for credentials that refuses to
// print itself: fmt verbs, JSON and slog all see "[redacted]". The value is
// reachable only through Reveal, so every place a secret leaves the process
// is a grep away.
package secret

import (
	"fmt"
	"log/slog"
)

const redacted = "[redacted]"

// String holds a secret such as an AWS secret access key, a session token or
// a keyring passphrase.
type String struct{ v string }

// New wraps v.
func New(v string) String { return String{v: v} }

// Reveal returns the secret itself. Call it only where the value must leave
// the process (an STS request signature, the credential_process JSON).
func (s String) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s String) IsZero() bool { return s.v == "" }

// Equal reports whether two secrets hold the same value.
func (s String) Equal(o String) bool { return s.v == o.v }

func (String) String() string               { return redacted }
func (String) GoString() string             { return redacted }
func (String) Format(f fmt.State, _ rune)   { _, _ = f.Write([]byte(redacted)) }
func (String) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (String) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (String) LogValue() slog.Value         { return slog.StringValue(redacted) }

// MaskKeyID shortens an access key id for display, e.g. "AKIA…MPLE". Ids too
// short to mask safely are hidden entirely. spind and spin both show ids
// this way, and `spin keys import` compares the two, so there is one copy.
func MaskKeyID(id string) string {
	if len(id) < 12 {
		return "…"
	}
	return id[:4] + "…" + id[len(id)-4:]
}
