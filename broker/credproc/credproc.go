// Package credproc is the whole credential_process helper: it asks spind
// for a profile's credentials and prints them for the SDK that ran it,
// starting spind when nothing answers, prompting for an MFA code and
// running a sign-in when spind asks for one. The common path, one
// exchange with spind, is broker/credask's; the lean helper binary makes
// it alone and hands the rest to `spin credential-process`, which is Run.
package credproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/credask"
	"github.com/cloudspin/spin/broker/launch"
)

// Options say which profile to fetch and how to reach (or start) spind.
type Options struct {
	Profile     string
	SessionName string // SPIN_SESSION_NAME; empty: the profile's own
	Launch      launch.Options
	// Timeout and AnswerTimeout default to credask's.
	Timeout       time.Duration
	AnswerTimeout time.Duration
	// Getenv reads SPIN_MFA_COMMAND; default os.Getenv.
	Getenv func(string) string
}

// Run fetches the credentials and writes the credential_process JSON to
// stdout. On failure it writes exactly one `spin: …` line to stderr (SDKs
// show it) and returns a non-zero exit code.
func Run(ctx context.Context, o Options, stdout, stderr io.Writer) int {
	if o.Timeout == 0 {
		o.Timeout = credask.Timeout
	}
	if o.AnswerTimeout == 0 {
		o.AnswerTimeout = credask.AnswerTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	out, err := fetch(ctx, o)
	if err != nil {
		io.WriteString(stderr, credask.Line(err))
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		io.WriteString(stderr, "spin: write credentials: "+err.Error()+"\n")
		return 1
	}
	return 0
}

func fetch(ctx context.Context, o Options) ([]byte, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	// Ask first and start spind only if nobody answers: the common case
	// then costs a single connection and nothing else.
	path := credask.Path(o.Profile, o.SessionName, o.Launch.Config, false)
	status, body, err := do(ctx, o, "GET", path, nil)
	if errors.Is(err, credask.ErrNoListener) {
		if err := launch.Ensure(ctx, o.Launch); err != nil {
			return nil, err
		}
		status, body, err = do(ctx, o, "GET", path, nil)
	}
	if err != nil {
		return nil, err
	}
	if status == 401 {
		status, body, err = fetchWithMFA(ctx, o, body)
		if err != nil {
			return nil, err
		}
	}
	if status == 401 {
		status, body, err = fetchWithSignin(ctx, o, body)
		if err != nil {
			return nil, err
		}
	}
	if status != 200 {
		return nil, credask.Refused(status, body, o.Profile)
	}
	if credask.ProcessJSON(body) {
		if body[len(body)-1] != '\n' {
			body = append(body, '\n')
		}
		return body, nil
	}
	// Not spind's own rendering: decode and re-encode, so the SDK only
	// ever gets well-formed credential_process JSON.
	creds, err := api.DecodeProcessJSON(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", o.Profile, err)
	}
	var buf bytes.Buffer
	err = creds.WriteProcessJSON(&buf)
	return buf.Bytes(), err
}

// fetchWithMFA handles spind's mfa_required: only then does the helper look
// for a way to ask for a code (a foreground terminal, SPIN_MFA_COMMAND), and
// if it has one it asks spind again saying so. spind then makes it the one
// prompter, or parks it until another helper's code arrives.
func fetchWithMFA(ctx context.Context, o Options, body []byte) (int, []byte, error) {
	var e api.Error
	if json.Unmarshal(body, &e) != nil || e.Code != api.CodeMFARequired {
		return 401, body, nil
	}
	mfa := newMFASource(o.Getenv)
	defer mfa.close()
	if !mfa.available() {
		return 401, body, nil
	}
	path := credask.Path(o.Profile, o.SessionName, o.Launch.Config, true)
	status, body, err := do(ctx, o, "GET", path, nil)
	if err != nil || status != 401 {
		return status, body, err
	}
	if json.Unmarshal(body, &e) != nil || !e.Prompt {
		return status, body, nil
	}
	// spind chose this helper: ask, hand the code over, ask again.
	code, err := mfa.code(ctx, o.Profile)
	if err != nil {
		// Release the helpers waiting on this prompt at once.
		_ = sendCode(ctx, o, "")
		return 0, nil, err
	}
	if err := sendCode(ctx, o, code); err != nil {
		return 0, nil, err
	}
	return do(ctx, o, "GET", path, nil)
}

// do asks spind once (credask.Ask) under o's timeouts.
func do(ctx context.Context, o Options, method, path string, body []byte) (int, []byte, error) {
	deadline, _ := ctx.Deadline()
	return credask.Ask(o.Launch.Socket, method, path, body, o.AnswerTimeout, deadline)
}
