//go:build unix

package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write([]byte(body))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return socket
}

type result struct {
	code           int
	pid            int
	stdout, stderr string
}

func runHelper(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, "spin-credential-process"), args...)
	cmd.Env = []string{"PATH=/nonexistent", "HOME=" + t.TempDir()}
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
	got := runHelper(t, dir, "--socket", serve(t, 200, creds), "p")
	if got.code != 0 || got.stdout != creds+"\n" || got.stderr != "" {
		t.Errorf("credentials: %+v", got)
	}
	got = runHelper(t, dir, "--socket", serve(t, 404, `{"error":"unknown_profile","message":"profile p is not in config.yaml","hint":"run 'spin list'"}`), "p")
	if want := "spin: profile p is not in config.yaml: run 'spin list'\n"; got.code != 1 || got.stdout != "" || got.stderr != want {
		t.Errorf("refusal: %+v, want stderr %q", got, want)
	}
	got = runHelper(t, dir, "--socket", serve(t, 502, `<html>proxy</html>`), "p")
	if want := "spin: spind answered status 502 for profile p\n"; got.code != 1 || got.stderr != want {
		t.Errorf("garbage: %+v, want stderr %q", got, want)
	}
}

// What needs more than one exchange goes to `spin credential-process`,
// exec'd in the helper's place: same pid, same arguments.
func TestRarePathsHandedToSpin(t *testing.T) {
	dir := helperDir(t, true)
	missing := filepath.Join(t.TempDir(), "broker.sock")
	for name, socket := range map[string]string{
		"no spind":      missing,
		"mfa required":  serve(t, 401, `{"error":"mfa_required","message":"profile p needs an MFA code","hint":"run 'spin mfa p'"}`),
		"other shape":   serve(t, 200, `{"AccessKeyId":"ASIAX","Version":1,"SecretAccessKey":"s"}`),
		"signin needed": serve(t, 401, `{"error":"signin_required","message":"source sso needs a sign-in","source":"sso"}`),
	} {
		t.Run(name, func(t *testing.T) {
			got := runHelper(t, dir, "--config", "/etc/spin.yaml", "--socket", socket, "p")
			want := "spin pid=" + strconv.Itoa(got.pid) + " args=--config /etc/spin.yaml --socket " + socket + " credential-process p\n"
			if got.code != 0 || got.stdout != want || got.stderr != "" {
				t.Errorf("got %+v, want stdout %q", got, want)
			}
		})
	}
}

// Without spin the helper still says what spind wanted, and what to install.
func TestRarePathWithoutSpin(t *testing.T) {
	dir := helperDir(t, false)
	got := runHelper(t, dir, "--socket", serve(t, 401, `{"error":"mfa_required","message":"profile p needs an MFA code","hint":"run 'spin mfa p'"}`), "p")
	want := "spin: profile p needs an MFA code: run 'spin mfa p'; spin-credential-process hands this to spin, which is neither beside it nor on PATH: install spin, spind and spin-credential-process together\n"
	if got.code != 1 || got.stdout != "" || got.stderr != want {
		t.Errorf("got %+v, want stderr %q", got, want)
	}
}
