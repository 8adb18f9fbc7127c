package signinflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/ttyprompt"
)

// Client is the part of spind's client that readies a profile.
type Client interface {
	Daemon
	Credentials(ctx context.Context, profile, sessionName string) (api.Credentials, error)
	SessionCredentials(ctx context.Context, profile, sessionName string) (api.Credentials, error)
	MFA(ctx context.Context, profile, code string) error
	SetGitHubRequest(ctx context.Context, source string, req api.GitHubRequest) error
}

// ErrNoTerminal is what a Terminal's Line and Open return when there is
// no terminal to ask on.
var ErrNoTerminal = ttyprompt.ErrNoTerminal

// Terminal is where Ready asks a person. Line shows prompt and reads a
// line, ending on Ctrl-C (ttyprompt.Line); Open opens the terminal to show
// a sign-in's URL on. Both fail with ErrNoTerminal when there is none.
// Getenv is the caller's environment.
type Terminal struct {
	Line   func(ctx context.Context, prompt string) (string, error)
	Open   func() (io.WriteCloser, error)
	Getenv func(string) string
}

// OnTTY is the Terminal of a person at tty, with the caller's environment.
func OnTTY(tty ttyprompt.TTY, getenv func(string) string) Terminal {
	return Terminal{Line: tty.Line, Open: tty.Writer, Getenv: getenv}
}

// Ready makes sure spind can serve profile before a child starts, doing
// what spind's error asks where the CLI can: an MFA code asked on the
// terminal (a prompt inside the child would be swallowed), a sign-in to
// the profile's sso or login source, or the GitHub Actions job's OIDC
// token request handed to spind for a web_identity source. Without a
// terminal it returns spind's error, whose hint says what to run.
// temporary asks for session credentials only, as `spin exec` serves.
func Ready(ctx context.Context, c Client, t Terminal, profile, sessionName string, temporary bool) error {
	get := func() error {
		var err error
		if temporary {
			_, err = c.SessionCredentials(ctx, profile, sessionName)
		} else {
			_, err = c.Credentials(ctx, profile, sessionName)
		}
		return err
	}
	err := get()
	var ae *api.Error
	if errors.As(err, &ae) && ae.Code == api.CodeSigninRequired && ae.SourceKind == "web_identity" {
		if herr := handOverGitHubRequest(ctx, c, t.Getenv, ae.Source); herr != nil {
			return herr
		}
		return get()
	}
	if errors.As(err, &ae) && ae.Code == api.CodeSigninRequired && (ae.SourceKind == "sso" || ae.SourceKind == "login") {
		// Sign in here, where a person is, not inside the child.
		if serr := signinOnTerminal(ctx, c, t, ae.Source); serr != nil {
			// Without a terminal the original answer says what to run;
			// otherwise the sign-in's own failure (Ctrl-C, refused) does.
			if errors.Is(serr, ErrNoTerminal) {
				return err
			}
			return serr
		}
		err = get()
	}
	if !errors.As(err, &ae) || ae.Code != api.CodeMFARequired {
		return err
	}
	code, perr := PromptMFACode(ctx, t, profile)
	if perr != nil {
		if errors.Is(perr, ErrNoTerminal) {
			return err
		}
		return perr
	}
	if err := c.MFA(ctx, profile, code); err != nil {
		return err
	}
	return get()
}

// PromptMFACode asks for a profile's MFA code on the terminal.
func PromptMFACode(ctx context.Context, t Terminal, profile string) (string, error) {
	code, err := t.Line(ctx, fmt.Sprintf("MFA code for profile %s: ", profile))
	if errors.Is(err, ErrNoTerminal) {
		return "", hint.Wrap(err, fmt.Sprintf("run 'spin mfa %s' in a terminal, or pipe the code to 'spin mfa %s --stdin'", profile, profile))
	}
	if err != nil {
		return "", fmt.Errorf("read the MFA code: %w", err)
	}
	return code, nil
}

// signinOnTerminal runs `spin login SOURCE` when there is a terminal to
// show the URL on; without one the caller keeps spind's hint.
func signinOnTerminal(ctx context.Context, c Client, t Terminal, source string) error {
	tty, err := t.Open()
	if err != nil {
		return err
	}
	defer tty.Close()
	return Run(ctx, c, Options{Source: source, Out: tty, Open: Opener(t.Getenv)})
}

// handOverGitHubRequest gives spind ACTIONS_ID_TOKEN_REQUEST_URL and
// _TOKEN, which GitHub sets only for jobs with `permissions: id-token:
// write`, and only in the job's own processes: spind never inherits them
// (an autostarted spind gets an allow-listed environment, and the request
// token is a secret, so it goes over the socket).
func handOverGitHubRequest(ctx context.Context, c Client, getenv func(string) string, source string) error {
	u, tok := getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if u == "" || tok == "" {
		var missing []string
		for _, v := range []string{"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"} {
			if getenv(v) == "" {
				missing = append(missing, v)
			}
		}
		cause := fmt.Sprintf("source %s uses GitHub Actions' OIDC token, but %s is not set", source, strings.Join(missing, " and "))
		if getenv("GITHUB_ACTIONS") != "true" {
			return hint.New(cause+": this is not a GitHub Actions job",
				"run this in a GitHub Actions job, or give source "+source+" a token_file or token_command")
		}
		return hint.New(cause+": the job may not request OIDC tokens", "add `permissions: id-token: write` to the job")
	}
	return c.SetGitHubRequest(ctx, source, api.GitHubRequest{URL: u, Token: secret.New(tok)})
}
