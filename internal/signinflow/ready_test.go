package signinflow

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
)

// readyDaemon answers credentials with errs in turn, then with success,
// and records what the CLI handed over.
type readyDaemon struct {
	remoteDaemon
	errs    []error
	calls   int
	mfa     string
	github  api.GitHubRequest
	session bool // asked for session credentials
}

func (d *readyDaemon) Credentials(context.Context, string, string) (api.Credentials, error) {
	d.calls++
	if len(d.errs) > 0 {
		err := d.errs[0]
		d.errs = d.errs[1:]
		return api.Credentials{}, err
	}
	return api.Credentials{AccessKeyID: "ASIA"}, nil
}
func (d *readyDaemon) SessionCredentials(ctx context.Context, profile, session string) (api.Credentials, error) {
	d.session = true
	return d.Credentials(ctx, profile, session)
}
func (d *readyDaemon) MFA(_ context.Context, _ string, code string) error { d.mfa = code; return nil }
func (d *readyDaemon) SetGitHubRequest(_ context.Context, _ string, r api.GitHubRequest) error {
	d.github = r
	return nil
}

// terminal answers each prompt with the next answer and records the
// prompts.
func terminal(answers []string, env map[string]string) (Terminal, *[]string) {
	var asked []string
	return Terminal{
		Line: func(_ context.Context, prompt string) (string, error) {
			asked = append(asked, prompt)
			if len(answers) == 0 {
				return "", errors.New("no more answers")
			}
			a := answers[0]
			answers = answers[1:]
			return a, nil
		},
		Open:   func() (io.WriteCloser, error) { return nil, ErrNoTerminal },
		Getenv: func(k string) string { return env[k] },
	}, &asked
}

func noTerminal(env map[string]string) Terminal {
	return Terminal{
		Line:   func(context.Context, string) (string, error) { return "", ErrNoTerminal },
		Open:   func() (io.WriteCloser, error) { return nil, ErrNoTerminal },
		Getenv: func(k string) string { return env[k] },
	}
}

func TestReadyAsksForTheMFACode(t *testing.T) {
	d := &readyDaemon{errs: []error{&api.Error{Code: api.CodeMFARequired, Message: "profile p needs an MFA code"}}}
	term, asked := terminal([]string{"123456"}, nil)
	if err := Ready(t.Context(), d, term, "p", "s", true); err != nil {
		t.Fatal(err)
	}
	if !d.session {
		t.Error("spin exec's check asked for more than session credentials")
	}
	if d.mfa != "123456" || d.calls != 2 {
		t.Errorf("spind got code %q after %d credential calls; want 123456 then a second call", d.mfa, d.calls)
	}
	if len(*asked) != 1 || (*asked)[0] != "MFA code for profile p: " {
		t.Errorf("prompts %q", *asked)
	}
}

func TestReadyWithoutTerminalKeepsSpindsError(t *testing.T) {
	want := &api.Error{Code: api.CodeMFARequired, Message: "profile p needs an MFA code", Hint: "run 'spin mfa p'"}
	d := &readyDaemon{errs: []error{want}}
	err := Ready(t.Context(), d, noTerminal(nil), "p", "s", false)
	if !errors.Is(err, want) || d.mfa != "" {
		t.Errorf("got %v, mfa %q; want spind's own error", err, d.mfa)
	}
	_, err = PromptMFACode(t.Context(), noTerminal(nil), "p")
	if !errors.Is(err, ErrNoTerminal) || hint.Of(err) != "run 'spin mfa p' in a terminal, or pipe the code to 'spin mfa p --stdin'" {
		t.Errorf("no terminal: got %v (hint %q)", err, hint.Of(err))
	}
}

func TestReadyHandsOverTheGitHubRequest(t *testing.T) {
	need := &api.Error{Code: api.CodeSigninRequired, Source: "gha", SourceKind: "web_identity"}
	d := &readyDaemon{errs: []error{need}}
	env := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.example/", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "tok"}
	if err := Ready(t.Context(), d, noTerminal(env), "p", "s", false); err != nil {
		t.Fatal(err)
	}
	if d.github.URL != "https://token.example/" || d.github.Token.Reveal() != "tok" || d.calls != 2 {
		t.Errorf("spind got %+v after %d calls", d.github, d.calls)
	}

	for _, tc := range []struct {
		env  map[string]string
		hint string
	}{
		{map[string]string{}, "run this in a GitHub Actions job, or give source gha a token_file or token_command"},
		{map[string]string{"GITHUB_ACTIONS": "true", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.example/"}, "add `permissions: id-token: write` to the job"},
	} {
		d := &readyDaemon{errs: []error{need}}
		err := Ready(t.Context(), d, noTerminal(tc.env), "p", "s", false)
		if err == nil || hint.Of(err) != tc.hint {
			t.Errorf("env %v: got %v with hint %q, want hint %q", tc.env, err, hint.Of(err), tc.hint)
		}
	}
}
