//go:build unix

package credendpoint

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/signinflow"
)

// daemon needs an MFA code before it hands out sessions, and records
// what it was asked.
type daemon struct {
	signinflow.Daemon
	mfa     string
	session string
	calls   int
}

func (d *daemon) Credentials(context.Context, string, string) (api.Credentials, error) {
	return api.Credentials{}, errors.New("exec serves sessions only")
}
func (d *daemon) SessionCredentials(_ context.Context, _, session string) (api.Credentials, error) {
	d.calls++
	d.session = session
	if d.mfa == "" {
		return api.Credentials{}, &api.Error{Code: api.CodeMFARequired, Message: "profile p needs an MFA code"}
	}
	return api.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: secret.New("s"), SessionToken: secret.New("t"),
		Expiration: time.Now().Add(time.Hour)}, nil
}
func (d *daemon) MFA(_ context.Context, _, code string) error                       { d.mfa = code; return nil }
func (d *daemon) SetGitHubRequest(context.Context, string, api.GitHubRequest) error { return nil }

func terminal(env map[string]string, answer string) (signinflow.Terminal, *int) {
	asked := 0
	return signinflow.Terminal{
		Line: func(context.Context, string) (string, error) {
			asked++
			return answer, nil
		},
		Open:   func() (io.WriteCloser, error) { return nil, signinflow.ErrNoTerminal },
		Getenv: func(k string) string { return env[k] },
	}, &asked
}

// The MFA code is asked before the child starts; the child (the user's
// shell when no command is given) then gets the profile's sessions from
// the endpoint, and its exit code is exec's.
func TestExecAsksFirstThenServesTheShell(t *testing.T) {
	shell := filepath.Join(t.TempDir(), "shell")
	// The child fetches its credentials as an SDK would.
	script := "#!/bin/sh\ncurl -sf -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"; echo; echo \"profile=$SPIN_PROFILE\"; exit 5\n"
	if err := os.WriteFile(shell, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	d := &daemon{}
	term, asked := terminal(map[string]string{"SHELL": shell, "SPIN_SESSION_NAME": "alice"}, "123456")
	var out strings.Builder
	code, err := Exec(t.Context(), d, term, ExecOptions{Profile: "p", Environ: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: io.Discard})
	if err != nil || code != 5 {
		t.Fatalf("got %d, %v; want the shell's exit 5", code, err)
	}
	if *asked != 1 || d.mfa != "123456" || d.session != "alice" {
		t.Errorf("prompts %d, mfa %q, session name %q", *asked, d.mfa, d.session)
	}
	if !strings.Contains(out.String(), `"AccessKeyId":"ASIAEXAMPLE"`) || !strings.Contains(out.String(), "profile=p") {
		t.Errorf("the shell saw %q", out.String())
	}
}

func TestExecRefusesToNest(t *testing.T) {
	d := &daemon{}
	term, _ := terminal(map[string]string{"SPIN_PROFILE": "outer"}, "")
	_, err := Exec(t.Context(), d, term, ExecOptions{Profile: "p", Argv: []string{"/bin/true"}})
	if !errors.Is(err, ErrNested) || hint.Of(err) != "exit that shell first" || !strings.Contains(err.Error(), "profile outer") || d.calls != 0 {
		t.Errorf("got %v (hint %q), spind asked %d times", err, hint.Of(err), d.calls)
	}
}
