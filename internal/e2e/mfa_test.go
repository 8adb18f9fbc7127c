package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/awsemu"
)

const (
	mfaSerial = "arn:aws:iam::" + account + ":mfa/cloudspin_user"
	mfaSeed   = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

func newMFAWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t, worldOptions{mfaSerial: mfaSerial})
	w.emu.AddKey(awsemu.Key{AccessKeyID: testKeyID, SecretAccessKey: testSecret, UserName: "cloudspin_user",
		Account: account, MFASerial: mfaSerial, MFASecret: mfaSeed})
	w.addKeys()
	return w
}

// 50 helpers for an MFA profile at once: SPIN_MFA_COMMAND runs once, one
// GetSessionToken, one AssumeRole, and every helper prints credentials.
func TestMFAOneCommandForManyHelpers(t *testing.T) {
	w := newMFAWorld(t)
	dir := t.TempDir()
	codeFile, runs := filepath.Join(dir, "code"), filepath.Join(dir, "runs")
	code, err := awsemu.TOTP(mfaSeed, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(codeFile, []byte(code+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, fmt.Sprintf("SPIN_MFA_COMMAND=echo run >> %s; cat %s", runs, codeFile))

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, errOut, err := w.helper("assume-test")
			var p processJSON
			if err != nil || json.Unmarshal([]byte(out), &p) != nil || p.SessionToken == "" {
				errs <- fmt.Sprintf("helper: %v %q %q", err, out, errOut)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	data, _ := os.ReadFile(runs)
	if got := strings.Count(string(data), "run"); got != 1 {
		t.Errorf("SPIN_MFA_COMMAND ran %d times, want 1", got)
	}
	if got := w.emu.Calls("GetSessionToken"); got != 1 {
		t.Errorf("GetSessionToken calls = %d, want 1", got)
	}
	if got := w.emu.Calls("AssumeRole"); got != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", got)
	}
}

// Without a terminal or SPIN_MFA_COMMAND the helper fails at once with the
// `spin mfa` hint; a wrong code is refused and makes no session; a right
// one through `spin mfa` lets the helper through.
func TestMFAWithoutPromptAndWrongCode(t *testing.T) {
	w := newMFAWorld(t)
	start := time.Now()
	_, errOut, err := w.helper("assume-test")
	if err == nil || errOut != "spin: profile assume-test needs an MFA code: run 'spin mfa assume-test'\n" {
		t.Errorf("helper without a way to prompt: err %v, stderr %q", err, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("helper took %s to fail, want well under 5s", d)
	}

	_, errOut, err = w.try("000000\n", "mfa", "assume-test", "--stdin")
	if err == nil || !strings.Contains(errOut, "MFA code rejected for key set "+w.keySet) || !strings.Contains(errOut, "spin mfa assume-test") {
		t.Errorf("spin mfa with a wrong code: err %v, stderr %q", err, errOut)
	}
	if _, _, err := w.helper("assume-test"); err == nil {
		t.Errorf("helper succeeded after a wrong code")
	}
	if got := w.emu.Calls("AssumeRole"); got != 0 {
		t.Errorf("AssumeRole calls after a wrong code = %d, want 0", got)
	}

	code, _ := awsemu.TOTP(mfaSeed, time.Now())
	w.run(code+"\n", "mfa", "assume-test", "--stdin")
	if out, errOut, err := w.helper("assume-test"); err != nil || !strings.Contains(out, "SessionToken") {
		t.Errorf("helper after spin mfa: %v %q", err, errOut)
	}
}

// Ctrl-C at a helper's MFA prompt ends the prompt, not the helper before
// it has told spind: the helpers waiting for that code get their answer
// now instead of after spind's 90 s prompt window.
func TestMFAPromptInterruptedReleasesWaiters(t *testing.T) {
	w := newMFAWorld(t)
	w.run("", "daemon", "start")
	fg := w.startForegroundHelper(t, "assume-test")
	term, fgErr, fgDone := fg.term, &fg.errOut, fg.done
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(term.Output(), "MFA code for profile assume-test"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no MFA prompt on the terminal: %q\nstderr: %s", term.Output(), fgErr.String())
		}
	}

	// Other helpers wait in spind for this prompt's code: each has made
	// its one request when spind's count has grown by more than the
	// `spin status` polls (one request each).
	before := w.spindRequests(t)
	const n = 3
	waiters := make(chan error, n)
	for range n {
		go func() {
			_, e, _, err := w.helperDetached("assume-test")
			if err != nil {
				err = fmt.Errorf("%w: %s", err, e)
			}
			waiters <- err
		}()
	}
	w.awaitRequests(t, before, n)

	interrupted := time.Now()
	if err := term.Type("\x03"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-fgDone:
		if err == nil {
			t.Error("the interrupted helper exited 0")
		}
		if !strings.Contains(fgErr.String(), "interrupted") {
			t.Errorf("helper stderr %q, want the prompt interrupted", fgErr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the helper did not end at Ctrl-C\nterminal: %s", term.Output())
	}
	for range n {
		select {
		case err := <-waiters:
			if err == nil {
				t.Error("a waiting helper got credentials without a code")
			}
		case <-time.After(30*time.Second - time.Since(interrupted)):
			t.Fatalf("waiting helpers still wait %v after Ctrl-C", time.Since(interrupted))
		}
	}
}
