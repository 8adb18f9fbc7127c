package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Bad input reaches the SDK as exactly one `spin: …` line naming the file,
// profile or key set and the command that fixes it, at once.
func TestHelperErrorsAreOneActionableLine(t *testing.T) {
	role := "arn:aws:iam::" + account + ":role/spin_role-test"
	tests := []struct {
		name     string
		backend  string
		profiles string // YAML under profiles:
		defaults string
		profile  string
		want     []string
	}{
		{name: "unknown profile", profile: "nope",
			want: []string{`unknown profile "nope"`, "config.yaml", "spin profiles write"}},
		{name: "missing key set", profile: "ghosted",
			profiles: fmt.Sprintf("  ghosted:\n    source: ghost\n    role_arn: %s\n", role),
			want:     []string{"profile ghosted: key set ghost is not in the secret-service keyring", "spin keys add ghost"}},
		{name: "malformed config", profile: "assume-test",
			profiles: fmt.Sprintf("  assume-test:\n    source: x\n    rolearn: %s\n", role),
			want:     []string{"config.yaml:9:5:", `unknown key "rolearn"`, `did you mean "role_arn"?): fix the file`}},
		{name: "duration under min_validity plus margin", profile: "assume-test",
			defaults: "  duration: 15m\n  min_validity: 15m\n",
			want:     []string{"config.yaml:", "duration", "min_validity"}},
		{name: "locked file keyring", backend: "file", profile: "assume-test",
			want: []string{"the file keyring is locked", "spin unlock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{backend: tt.backend, profiles: tt.profiles, defaults: tt.defaults})
			start := time.Now()
			out, errOut, err := w.helper(tt.profile)
			if err == nil {
				t.Fatalf("helper succeeded: %s", out)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(errOut, "spin: ") {
				t.Errorf("stderr = %q, want exactly one 'spin: ' line", errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr = %q, want it to contain %q", errOut, want)
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s to fail", d)
			}
		})
	}
}
