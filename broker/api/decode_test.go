package api

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/secret"
)

// The requests that carry a secret come back whole from their wire form,
// and a misspelt field is refused rather than dropped.
func TestSecretRequestsRoundTripAndRefuseUnknownFields(t *testing.T) {
	tests := []struct {
		name   string
		encode func(io.Writer) error
		decode func(io.Reader) (string, error) // the secret read back
		typo   string
		want   string
	}{
		{"key", KeyRequest{AccessKeyID: "AKIA", SecretAccessKey: secret.New("s1")}.Encode,
			func(b io.Reader) (string, error) {
				k, err := DecodeKeyRequest(b)
				return k.SecretAccessKey.Reveal(), err
			},
			`{"secret_acess_key":"x"}`, "decode key request: "},
		{"export", ExportRequest{Allow: true, SecretAccessKey: secret.New("s2")}.Encode,
			func(b io.Reader) (string, error) {
				e, err := DecodeExportRequest(b)
				return e.SecretAccessKey.Reveal(), err
			},
			`{"alow":true}`, "decode export request: "},
		{"unlock", UnlockRequest{Passphrase: secret.New("s3")}.Encode,
			func(b io.Reader) (string, error) { u, err := DecodeUnlockRequest(b); return u.Passphrase.Reveal(), err },
			`{"password":"x"}`, "decode unlock request: "},
		{"github", GitHubRequest{URL: "https://x", Token: secret.New("s4")}.Encode,
			func(b io.Reader) (string, error) { g, err := DecodeGitHubRequest(b); return g.Token.Reveal(), err },
			`{"tokn":"x"}`, "decode GitHub token request: "},
	}
	for i, tt := range tests {
		var b bytes.Buffer
		if err := tt.encode(&b); err != nil {
			t.Fatal(err)
		}
		got, err := tt.decode(&b)
		if want := "s" + string(rune('1'+i)); err != nil || got != want {
			t.Errorf("%s: round trip gave %q, %v; want %q", tt.name, got, err, want)
		}
		_, err = tt.decode(bytes.NewBufferString(tt.typo))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("%s: %s gave %v, want an unknown field error", tt.name, tt.typo, err)
		}
	}
}
