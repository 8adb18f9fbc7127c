package passphrase

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		p  string
		ok bool
	}{
		{"x", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"ünïcödé-ünï", false}, // 11 characters, more bytes
		{"ünïcödé-ünïc", true},
		{"correct horse battery staple", true},
	} {
		err := Check(tt.p)
		if (err == nil) != tt.ok {
			t.Errorf("Check(%q) = %v, want ok %v", tt.p, err, tt.ok)
		}
		if err != nil && (strings.Contains(err.Error(), tt.p) || !strings.Contains(err.Error(), "at least 12")) {
			t.Errorf("Check(%q) error %q: want the rule, never the passphrase", tt.p, err)
		}
	}
}
