package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/awsemu"
)

// spin status shows the key set and its MFA session (expiry) after 'spin
// mfa'; 'spin sessions clear --mfa' drops it, so the next helper call needs
// a code again, and status says so.
func TestStatusMFASessionAndClearMFA(t *testing.T) {
	w := newMFAWorld(t)
	code, err := awsemu.TOTP(mfaSeed, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.run(code+"\n", "mfa", "assume-test", "--stdin")
	if _, errOut, err := w.helper("assume-test"); err != nil {
		t.Fatalf("helper after spin mfa: %v %q", err, errOut)
	}
	out := w.run("", "status")
	if want := "key set " + w.keySet + ": AKIA…0001, MFA session expires in "; !strings.Contains(out, want) {
		t.Errorf("status:\n%s\nwant a line with %q", out, want)
	}
	var st struct {
		KeySets []struct {
			Name       string    `json:"name"`
			MFAExpires time.Time `json:"mfa_expires"`
			NeedsMFA   bool      `json:"needs_mfa"`
		} `json:"key_sets"`
	}
	if err := json.Unmarshal([]byte(w.run("", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.KeySets) != 1 || st.KeySets[0].Name != w.keySet || time.Until(st.KeySets[0].MFAExpires) < time.Hour {
		t.Errorf("status --json key_sets = %+v, want %s with its MFA session", st.KeySets, w.keySet)
	}

	out = w.run("", "sessions", "clear", "--mfa")
	if !strings.Contains(out, "cleared 1 session(s)") || !strings.Contains(out, "cleared 1 MFA session(s)") {
		t.Errorf("sessions clear --mfa: %q", out)
	}
	if _, errOut, err := w.helper("assume-test"); err == nil || !strings.Contains(errOut, "needs an MFA code: run 'spin mfa assume-test'") {
		t.Errorf("helper after clear --mfa: err %v, stderr %q; want the MFA prompt again", err, errOut)
	}
	if out := w.run("", "status"); !strings.Contains(out, "no MFA session: the next new session asks for a code ('spin mfa assume-test')") {
		t.Errorf("status after clear --mfa:\n%s", out)
	}
}
