package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/ptytest"
)

// Issue 12 / DESIGN "Sources": a helper in the terminal's foreground runs
// the sign-in once ('spin login' on the terminal, never on the SDK's
// stdout) while every other caller waits for it: one browser sign-in for
// all of them. The browser here is a script that waits for the test's
// go-ahead, so the other helpers demonstrably arrive while it runs.
func TestSSOForegroundHelperSignsInForAll(t *testing.T) {
	w := newSSOWorld(t, awsemu.SSOConfig{})
	w.emu.SetSSOAutoApprove(true)
	opened, goAhead := filepath.Join(w.root, "browser-opened"), filepath.Join(w.root, "go-ahead")
	w.useBrowser(t, opened, "while [ ! -e "+goAhead+" ]; do sleep 0.05; done\nexec curl -fsSL -o /dev/null \"$1\"")
	w.run("", "daemon", "start")

	// The foreground helper: its controlling terminal is a pty whose
	// foreground process group it leads.
	fg := w.startForegroundHelper(t, "sso-dev")
	term, fgOut, fgErr, fgDone := fg.term, &fg.out, &fg.errOut, fg.done

	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(opened); err == nil {
			break
		}
		select {
		case err := <-fgDone:
			t.Fatalf("foreground helper ended before opening the browser: %v\nstderr: %s", err, fgErr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the browser was never opened\nterminal: %s", term.Output())
		}
	}

	// Callers without a terminal arrive while the sign-in runs: they
	// wait for it instead of failing with the hint.
	const n = 20
	type result struct {
		out, errOut string
		err         error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			o, e, _, err := w.helperDetached("sso-dev")
			results <- result{o, e, err}
		}()
	}
	// Give them time to start and reach spind, which holds them (on a
	// loaded machine process start-up alone takes a while).
	time.Sleep(3 * time.Second)
	select {
	case r := <-results:
		t.Fatalf("a waiting helper returned during the sign-in: %v, stderr %q", r.err, r.errOut)
	default:
	}
	if err := os.WriteFile(goAhead, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	if err := <-fgDone; err != nil {
		t.Fatalf("foreground helper: %v\nstderr: %s\nterminal: %s", err, fgErr.String(), term.Output())
	}
	var p processJSON
	if err := json.Unmarshal(fgOut.Bytes(), &p); err != nil || p.SessionToken == "" {
		t.Errorf("foreground helper's stdout is not only the credentials: %q", fgOut.String())
	}
	for range n {
		r := <-results
		var p processJSON
		if r.err != nil || json.Unmarshal([]byte(r.out), &p) != nil || p.SessionToken == "" {
			t.Errorf("waiting helper: %v, stdout %q, stderr %q", r.err, r.out, r.errOut)
		}
	}
	if got := w.emu.Calls("sso-oidc:CreateToken/authorization_code"); got != 1 {
		t.Errorf("authorization-code exchanges = %d, want 1 for %d callers", got, n+1)
	}
	if got := w.emu.Calls("sso:GetRoleCredentials"); got != 1 {
		t.Errorf("GetRoleCredentials = %d, want 1", got)
	}
	shown := term.Output()
	if !strings.Contains(shown, w.url+"/authorize?") || !strings.Contains(shown, "signed in to source corp") {
		t.Errorf("the sign-in did not happen on the terminal:\n%s", shown)
	}
	if strings.Contains(fgErr.String(), "authorize") {
		t.Errorf("the sign-in wrote to the helper's stderr: %q", fgErr.String())
	}
	w.assertNoTokenFiles(t)
}

// Ctrl-C in the terminal during a helper's sign-in reaches the helper and
// its 'spin login' alike (one foreground process group). The helper must
// still tell spind, so that the callers waiting for that sign-in fail now
// with "the sign-in was cancelled" instead of after spind's 3-minute
// window.
func TestSSOForegroundSigninInterruptedReleasesWaiters(t *testing.T) {
	w := newSSOWorld(t, awsemu.SSOConfig{})
	opened := filepath.Join(w.root, "browser-opened")
	w.useBrowser(t, opened, "exec sleep 600") // a browser the user never finishes with
	w.run("", "daemon", "start")
	fg := w.startForegroundHelper(t, "sso-dev")
	term, fgErr, fgDone := fg.term, &fg.errOut, fg.done
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(opened); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the browser was never opened\nterminal: %s\nstderr: %s", term.Output(), fgErr.String())
		}
	}
	before := w.spindRequests(t)
	const n = 3
	waiters := make(chan string, n)
	for range n {
		go func() {
			_, e, _, err := w.helperDetached("sso-dev")
			waiters <- e + " / " + errString(err)
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
			t.Errorf("the interrupted helper exited 0")
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the helper did not end at Ctrl-C\nterminal: %s", term.Output())
	}
	for range n {
		select {
		case got := <-waiters:
			if !strings.Contains(got, "the sign-in was cancelled") {
				t.Errorf("waiting helper: %s; want the sign-in cancelled", got)
			}
		case <-time.After(30*time.Second - time.Since(interrupted)):
			t.Fatalf("waiting helpers still wait %v after Ctrl-C: the sign-in was not cancelled", time.Since(interrupted))
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

// foregroundHelper runs the helper for profile as the leader of a pty's
// foreground process group, its stdout and stderr pipes as under an SDK;
// done receives its end.
type foregroundHelper struct {
	term        *ptytest.Terminal
	cmd         *exec.Cmd
	out, errOut bytes.Buffer
	done        chan error
}

func (w *world) startForegroundHelper(t *testing.T, profile string) *foregroundHelper {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	fg := &foregroundHelper{term: ptytest.Open(t), done: make(chan error, 1)}
	fg.cmd = w.command(ctx, filepath.Join(filepath.Dir(w.spin), helperName), profile)
	fg.cmd.Stdout, fg.cmd.Stderr = &fg.out, &fg.errOut
	if err := fg.term.Start(fg.cmd); err != nil {
		t.Fatal(err)
	}
	go func() { fg.done <- fg.cmd.Wait() }()
	return fg
}

// useBrowser makes BROWSER a script that records its start in the file
// opened and then runs then.
func (w *world) useBrowser(t *testing.T, opened, then string) {
	t.Helper()
	script := filepath.Join(w.root, "browser.sh")
	w.writeFile(script, "#!/bin/sh\n: > "+opened+"\n"+then+"\n")
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, "BROWSER="+script)
}

// spindRequests is spind's count of requests so far (`spin status
// --json`), this one included.
func (w *world) spindRequests(t *testing.T) int64 {
	t.Helper()
	var st struct {
		Requests int64 `json:"requests"`
	}
	if err := json.Unmarshal([]byte(w.run("", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	return st.Requests
}

// awaitRequests waits until spind has had n requests since its count was
// before, not counting the polls' own (one request each): helpers that
// spind holds have then reached it.
func (w *world) awaitRequests(t *testing.T, before, n int64) {
	t.Helper()
	for polls, deadline := int64(1), time.Now().Add(30*time.Second); w.spindRequests(t)-before-polls < n; polls++ {
		if time.Now().After(deadline) {
			t.Fatalf("the waiting helpers never reached spind: %d requests since, %d polls", w.spindRequests(t)-before, polls)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
