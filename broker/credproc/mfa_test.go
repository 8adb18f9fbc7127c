package credproc

import (
	"context"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/credask"
)

// A failing SPIN_MFA_COMMAND is all an SDK shows of the helper, so the line
// must say which profile wanted the code, why the command failed (its own
// last stderr line) and what to run instead.
func TestMFACommandFailure(t *testing.T) {
	m := &mfaSource{command: `echo "looking up aws/otp" >&2; echo "Error: aws/otp is not in the password store." >&2; exit 1`}
	_, err := m.code(context.Background(), "dev")
	if err == nil {
		t.Fatal("got no error from a failing SPIN_MFA_COMMAND")
	}
	line := credask.Line(err)
	for _, want := range []string{"profile dev", "SPIN_MFA_COMMAND", "exit status 1", "Error: aws/otp is not in the password store: fix", "'spin mfa dev'"} {
		if !strings.Contains(line, want) {
			t.Errorf("got %q, want it to hold %q", line, want)
		}
	}
	if strings.Contains(line, "looking up") {
		t.Errorf("got %q: want only the command's last stderr line", line)
	}
}
