package profiles

import (
	"strings"
	"testing"
	"time"
)

func TestKeysMaxAge(t *testing.T) {
	tests := []struct {
		src     string
		want    time.Duration
		wantErr string
	}{
		{"profiles: {}\n", DefaultKeyMaxAge, ""},
		{"keys:\n  max_age: 30d\n", 30 * 24 * time.Hour, ""},
		{"keys:\n  max_age: 36h\n", 36 * time.Hour, ""},
		{"keys:\n  max_age: 0d\n", 0, "config.yaml:2:12: max_age \"0d\" in keys must be a positive whole number of days"},
		{"keys:\n  max_age: soon\n", 0, "config.yaml:2:12: max_age \"soon\" in keys is not a duration"},
		{"keys:\n  maxage: 30d\n", 0, `config.yaml:2:3: unknown key "maxage" in keys (known: max_age; did you mean "max_age"?)`},
	}
	for _, tt := range tests {
		c, err := Parse("config.yaml", []byte(tt.src))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: got error %v, want %q", tt.src, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if c.Keys.MaxAge != tt.want {
			t.Errorf("%q: got max_age %v, want %v", tt.src, c.Keys.MaxAge, tt.want)
		}
	}
}
