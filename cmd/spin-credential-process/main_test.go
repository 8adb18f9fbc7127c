//go:build unix

package main

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// helperDir builds the helper into a directory of its own; with fakeSpin a
// `spin` script beside it reports how it was run instead of doing it.
func helperDir(t *testing.T, fakeSpin bool) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "spin-credential-process"), ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if fakeSpin {
		script := "#!/bin/sh\necho \"spin pid=$$ args=$*\"\n"
		if err := os.WriteFile(filepath.Join(dir, "spin"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// serve answers on a unix socket in a directory only we can write, as
// spind's is.
func serve(t *testing.T, status int, body string) string {
	t.Helper()
	return serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
}

// serveFunc is serve with a handler of the test's.
func serveFunc(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "spinhelper")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "broker.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return socket
}

type result struct {
	code           int
	pid            int
	stdout, stderr string
}

// runHelper runs the helper as an SDK in CI does: in a session of its
// own, without a terminal.
func runHelper(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, "spin-credential-process"), args...)
	cmd.Env = append([]string{"PATH=/nonexistent", "HOME=" + t.TempDir()}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, cmd.Process.Pid, stdout.String(), stderr.String()}
}

const creds = `{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t","Expiration":"2030-01-02T03:04:05Z"}`

// What spind settles, the helper settles alone: credentials pass through
// and a refusal is one line, without spin being run.
func TestCommonPathNeedsNoSpin(t *testing.T) {
	dir := helperDir(t, true)
	got := runHelper(t, dir, nil, "--socket", serve(t, 200, creds), "p")
	if got.code != 0 || got.stdout != creds+"\n" || got.stderr != "" {
		t.Errorf("credentials: %+v", got)
	}
	got = runHelper(t, dir, nil, "--socket", serve(t, 404, `{"error":"unknown_profile","message":"profile p is not in config.yaml","hint":"run 'spin list'"}`), "p")
	if want := "spin: profile p is not in config.yaml: run 'spin list'\n"; got.code != 1 || got.stdout != "" || got.stderr != want {
		t.Errorf("refusal: %+v, want stderr %q", got, want)
	}
	got = runHelper(t, dir, nil, "--socket", serve(t, 502, `<html>proxy</html>`), "p")
	if want := "spin: spind answered status 502 for profile p\n"; got.code != 1 || got.stderr != want {
		t.Errorf("garbage: %+v, want stderr %q", got, want)
	}
}

const (
	mfaRequired    = `{"error":"mfa_required","message":"profile p needs an MFA code","hint":"run 'spin mfa p'"}`
	signinRequired = `{"error":"signin_required","message":"source corp needs a sign-in","hint":"run 'spin login corp'","source":"corp","source_kind":"sso"}`
)

// What needs more than one exchange goes to `spin credential-process`,
// exec'd in the helper's place: same pid, same arguments.
func TestRarePathsHandedToSpin(t *testing.T) {
	dir := helperDir(t, true)
	missing := filepath.Join(t.TempDir(), "broker.sock")
	for _, tt := range []struct {
		name, socket string
		env          []string
	}{
		{"no spind", missing, nil},
		{"mfa by command", serve(t, 401, mfaRequired), []string{"SPIN_MFA_COMMAND=pass otp aws"}},
		{"other shape", serve(t, 200, `{"AccessKeyId":"ASIAX","Version":1,"SecretAccessKey":"s"}`), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := runHelper(t, dir, tt.env, "--config", "/etc/spin.yaml", "--socket", tt.socket, "p")
			want := "spin pid=" + strconv.Itoa(got.pid) + " args=--config /etc/spin.yaml --socket " + tt.socket + " credential-process p\n"
			if got.code != 0 || got.stdout != want || got.stderr != "" {
				t.Errorf("got %+v, want stdout %q", got, want)
			}
		})
	}
}

// A code or a sign-in that nobody here can give (no terminal, no
// SPIN_MFA_COMMAND, as under an SDK in CI) is refused at once with spind's
// line: spin could do no more, and a hundred helpers must fail fast.
func TestUnanswerablePromptRefusedAtOnce(t *testing.T) {
	dir := helperDir(t, true)
	for body, want := range map[string]string{
		mfaRequired:    "spin: profile p needs an MFA code: run 'spin mfa p'\n",
		signinRequired: "spin: source corp needs a sign-in: run 'spin login corp'\n",
	} {
		got := runHelper(t, dir, nil, "--socket", serve(t, 401, body), "p")
		if got.code != 1 || got.stdout != "" || got.stderr != want {
			t.Errorf("got %+v, want stderr %q", got, want)
		}
	}
}

// Without spin the helper still says what spind wanted, and what to install.
func TestRarePathWithoutSpin(t *testing.T) {
	dir := helperDir(t, false)
	got := runHelper(t, dir, []string{"SPIN_MFA_COMMAND=pass otp aws"}, "--socket", serve(t, 401, mfaRequired), "p")
	want := "spin: profile p needs an MFA code: run 'spin mfa p'; spin-credential-process hands this to spin, which is neither beside it nor on PATH: install spin, spind and spin-credential-process together\n"
	if got.code != 1 || got.stdout != "" || got.stderr != want {
		t.Errorf("got %+v, want stderr %q", got, want)
	}
}

// An empty profile name is refused as such, not as an unexpected argument
// "" (which printed as "unexpected argument ;"), and before spind is asked,
// with spin credential-process's exit code: it is no miscount of arguments.
func TestEmptyProfileName(t *testing.T) {
	dir := helperDir(t, false)
	got := runHelper(t, dir, nil, "--socket", filepath.Join(t.TempDir(), "broker.sock"), "")
	want := "spin: the profile name is empty: name one of the profiles in config.yaml ('spin list' shows them)\n"
	if got.code != 1 || got.stdout != "" || got.stderr != want {
		t.Errorf("got %+v, want code 1 and stderr %q", got, want)
	}
}

// The helper names its --config to spind, absolute as spind's is, so that
// spind can refuse a profile of a config it does not serve; a line without
// --config names none.
func TestHelperNamesItsConfig(t *testing.T) {
	dir := helperDir(t, false)
	asked := make(chan string, 1)
	socket := serveFunc(t, func(w http.ResponseWriter, r *http.Request) {
		asked <- r.URL.RawQuery
		w.Write([]byte(creds))
	})
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", "/etc/spin/a b.yaml", "p"}, "config=%2Fetc%2Fspin%2Fa+b.yaml"},
		{[]string{"--config", "rel/c.yaml", "p"}, "config=" + url.QueryEscape(filepath.Join(wd, "rel/c.yaml"))},
		{[]string{"p"}, ""},
	} {
		got := runHelper(t, dir, nil, append([]string{"--socket", socket}, tc.args...)...)
		if q := <-asked; got.code != 0 || q != tc.want {
			t.Errorf("%q: exit %d (%s), query %q; want %q", tc.args, got.code, got.stderr, q, tc.want)
		}
	}
}

// A missing or extra argument is one line, as every failure of the helper
// (an SDK shows one), with the usage in it as spin credential-process
// gives it.
func TestUsageErrorsAreOneLine(t *testing.T) {
	dir := helperDir(t, false)
	sock := filepath.Join(t.TempDir(), "broker.sock")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--socket", sock}, "spin: no profile given (usage: spin-credential-process [--config PATH] [--socket PATH] PROFILE)\n"},
		{[]string{"--socket", sock, "p", "q"}, "spin: unexpected argument q (usage: spin-credential-process [--config PATH] [--socket PATH] PROFILE)\n"},
	} {
		if got := runHelper(t, dir, nil, tc.args...); got.code != 2 || got.stdout != "" || got.stderr != tc.want {
			t.Errorf("%q: got %+v, want code 2 and stderr %q", tc.args, got, tc.want)
		}
	}
}
