package credexport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/signinflow"
)

// daemon needs an MFA code before it hands out credentials.
type daemon struct {
	signinflow.Daemon // sign-ins: not used here
	mfa               string
	calls             int
}

func (d *daemon) Credentials(context.Context, string, string) (api.Credentials, error) {
	d.calls++
	if d.mfa == "" {
		return api.Credentials{}, &api.Error{Code: api.CodeMFARequired, Message: "profile p needs an MFA code", Hint: "run 'spin mfa p'"}
	}
	return creds, nil
}
func (d *daemon) SessionCredentials(ctx context.Context, p, s string) (api.Credentials, error) {
	return api.Credentials{}, errors.New("export asks for what the profile gives, not a session only")
}
func (d *daemon) MFA(_ context.Context, _, code string) error                       { d.mfa = code; return nil }
func (d *daemon) SetGitHubRequest(context.Context, string, api.GitHubRequest) error { return nil }

func terminal(answer string) signinflow.Terminal {
	return signinflow.Terminal{
		Line: func(context.Context, string) (string, error) {
			if answer == "" {
				return "", signinflow.ErrNoTerminal
			}
			return answer, nil
		},
		Open:   func() (io.WriteCloser, error) { return nil, signinflow.ErrNoTerminal },
		Getenv: func(string) string { return "" },
	}
}

func TestExportAsksForMFAThenPrints(t *testing.T) {
	d := &daemon{}
	var out, errOut bytes.Buffer
	err := Export(t.Context(), d, terminal("123456"), Options{Profile: "p", Format: "ini", Region: "eu-west-1"}, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if d.mfa != "123456" {
		t.Errorf("spind got MFA code %q", d.mfa)
	}
	if !strings.HasPrefix(out.String(), "[p]\n") || !strings.Contains(out.String(), "aws_session_token = tok==") || !strings.Contains(out.String(), "region = eu-west-1") {
		t.Errorf("stdout %q", out.String())
	}
	if errOut.Len() != 0 {
		t.Errorf("a buffer is no terminal, yet stderr says %q", errOut.String())
	}
}

func TestExportRefusals(t *testing.T) {
	d := &daemon{}
	var out bytes.Buffer
	err := Export(t.Context(), d, terminal(""), Options{Profile: "p", Format: "yaml"}, &out, &out)
	if err == nil || hint.Of(err) != "spin export p --format env" || d.calls != 0 {
		t.Errorf("unknown format: %v (hint %q), spind asked %d times", err, hint.Of(err), d.calls)
	}
	err = Export(t.Context(), d, terminal(""), Options{Profile: "p", Format: "env"}, &out, &out)
	if ae, ok := errors.AsType[*api.Error](err); !ok || ae.Code != api.CodeMFARequired || out.Len() != 0 {
		t.Errorf("no terminal: %v, stdout %q; want spind's own answer", err, out.String())
	}
}
