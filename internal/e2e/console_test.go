package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// spin console --print yields a URL whose token the emulator's federation
// endpoint accepts for the profile's role (and, for a profile without a
// role, for a federated user of the key set's IAM user); without --print,
// BROWSER gets the URL; the URL is in no file under HOME (spind's log).
func TestConsole(t *testing.T) {
	w := newWorld(t, worldOptions{profiles: fmt.Sprintf(
		"  assume-test:\n    source: %[1]s\n    role_arn: arn:aws:iam::%[2]s:role/spin_role-test\n    role_session_name: console-e2e\n"+
			"  boot:\n    source: %[1]s\n", "KEYSET", account)})
	// The key set's name is only known now.
	w.writeFile(w.config, strings.ReplaceAll(readFile(t, w.config), "KEYSET", w.keySet))
	w.withIAM("")
	w.addKeys()

	login := func(t *testing.T, u string) *http.Response {
		t.Helper()
		if !strings.HasPrefix(u, w.url+"/federation?") {
			t.Fatalf("URL %q does not go to the configured federation endpoint %s", u, w.url)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	out := strings.TrimSpace(w.run("", "console", "assume-test", "--print", "--path", "/s3", "--duration", "2h"))
	resp := login(t, out)
	wantDest := "https://console.aws.amazon.com/s3?region=eu-west-1"
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != wantDest {
		t.Fatalf("login: %d to %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), wantDest)
	}
	logins := w.emu.FederationLogins()
	if len(logins) != 1 || logins[0].Arn != "arn:aws:sts::"+account+":assumed-role/spin_role-test/console-e2e" {
		t.Fatalf("federation logins %+v, want one as the profile's role", logins)
	}
	if d := logins[0].ConsoleExpires.Sub(logins[0].At); d < 2*time.Hour-time.Minute || d > 2*time.Hour {
		t.Errorf("console session of %v, want 2h (--duration)", d)
	}

	out = strings.TrimSpace(w.run("", "console", "boot", "--print"))
	if resp := login(t, out); resp.StatusCode != http.StatusFound {
		t.Fatalf("login as the federated user: %d", resp.StatusCode)
	}
	logins = w.emu.FederationLogins()
	if last := logins[len(logins)-1]; !strings.HasPrefix(last.Arn, "arn:aws:sts::"+account+":federated-user/spin-") {
		t.Errorf("profile without a role signed in as %s, want a federated user", last.Arn)
	}

	// BROWSER is called with the URL (as its last argument).
	dir := t.TempDir()
	got := filepath.Join(dir, "url")
	script := filepath.Join(dir, "browser")
	w.writeFile(script, "#!/bin/sh\nprintf '%s' \"$1\" > "+got+".tmp && mv "+got+".tmp "+got+"\n")
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, "BROWSER="+script)
	stdout, stderr, err := w.try("", "console", "assume-test")
	if err != nil || strings.Contains(stdout+stderr, "SigninToken") || !strings.Contains(stderr, "spin_role-test") {
		t.Fatalf("spin console with BROWSER: %v\nstdout %q\nstderr %q; want the role named and no URL", err, stdout, stderr)
	}
	var opened []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if opened, err = os.ReadFile(got); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if resp := login(t, string(opened)); resp.StatusCode != http.StatusFound {
		t.Fatalf("the URL BROWSER got was refused: %d", resp.StatusCode)
	}
	if n := len(w.emu.FederationLogins()); n != 3 {
		t.Errorf("%d console logins, want 3", n)
	}
	u, _ := url.Parse(string(opened))
	if tok := u.Query().Get("SigninToken"); tok == "" || len(filesContaining(t, w.home, tok)) > 0 {
		t.Errorf("the sign-in token is missing or stored under HOME: %v", filesContaining(t, w.home, tok))
	}

	// A bad path is one clear line with a hint.
	_, stderr, err = w.try("", "console", "nosuch")
	if err == nil || !strings.HasPrefix(stderr, "spin: ") {
		t.Errorf("unknown profile: err %v, stderr %q", err, stderr)
	}
}
