// Package webidentity gets the OIDC ID token a web_identity source hands
// to AssumeRoleWithWebIdentity: from GitHub Actions' token endpoint, a file
// (Kubernetes projected tokens, GitLab id_tokens written out) or a command.
// Every call gets a fresh token: CI tokens live minutes, much less than a
// long apply, so one is never kept.
package webidentity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// maxToken bounds what is read as a token (STS takes at most 20000 bytes).
const maxToken = 64 << 10

// GitHubRequest is what a GitHub Actions job with `permissions: id-token:
// write` gets in ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN. The CLI hands it
// to spind, which never has the job's environment.
type GitHubRequest struct {
	URL   string
	Token secret.String
}

// Token is an ID token and what spind reads of it without verifying it
// (STS verifies): names for the session and the expiry for messages.
type Token struct {
	Raw    secret.String
	Claims Claims
}

// Claims are the unverified claims spind uses.
type Claims struct {
	Sub        string
	Exp        int64
	Repository string // GitHub's repository
	RunID      string // GitHub's run_id
	RunAttempt string // GitHub's run_attempt
	Project    string // GitLab's project_path
	PipelineID string // GitLab's pipeline_id
}

// Expires is when the token says it expires; zero if it does not say.
func (c Claims) Expires() time.Time {
	if c.Exp == 0 {
		return time.Time{}
	}
	return time.Unix(c.Exp, 0).UTC()
}

// Fetcher gets tokens.
type Fetcher struct {
	// HTTP calls GitHub's token endpoint; its Timeout is ignored in favour
	// of the context's deadline.
	HTTP *http.Client
	// Dir is where token_command runs (config.yaml's directory).
	Dir string
	// Env is token_command's environment: spind's own, never a caller's.
	Env []string
}

// Error is a failure to get a token, worded as one line that names the
// cause; Hint is the fix.
type Error struct {
	Msg, Hint string
	Err       error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Fetch gets a fresh token for src. gh is required for github_actions.
func (f *Fetcher) Fetch(ctx context.Context, src profiles.WebIdentitySource, gh GitHubRequest) (Token, error) {
	var raw []byte
	var err error
	switch {
	case src.GitHubActions:
		raw, err = f.gitHub(ctx, gh, src.Audience)
	case src.TokenFile != "":
		raw, err = readFile(src.TokenFile)
	default:
		raw, err = f.command(ctx, src.TokenCommand)
	}
	if err != nil {
		return Token{}, err
	}
	claims, err := parseClaims(raw)
	if err != nil {
		return Token{}, &Error{Msg: fmt.Sprintf("%s is not an ID token (a JWT): %v", src, err),
			Hint: "make it print or write only the token, nothing else"}
	}
	return Token{Raw: secret.New(string(raw)), Claims: claims}, nil
}

func (f *Fetcher) gitHub(ctx context.Context, gh GitHubRequest, audience string) ([]byte, error) {
	u, err := url.Parse(gh.URL)
	if err != nil || gh.URL == "" || gh.Token.IsZero() {
		return nil, &Error{Msg: "GitHub Actions' OIDC token request is missing (ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN)",
			Hint: "add `permissions: id-token: write` to the job"}
	}
	// As GitHub's toolkit does: the audience is appended to the URL.
	q := u.Query()
	q.Set("audience", audience)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var lastErr error
	for attempt := range 3 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, &Error{Msg: fmt.Sprintf("GitHub's OIDC token endpoint: %v", lastErr), Hint: "retry the job", Err: lastErr}
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
		}
		raw, retry, err := f.gitHubOnce(ctx, u.String(), gh.Token)
		if err == nil || !retry {
			return raw, err
		}
		lastErr = err
	}
	return nil, &Error{Msg: fmt.Sprintf("GitHub's OIDC token endpoint: %v", lastErr), Hint: "retry the job", Err: lastErr}
}

// gitHubOnce makes one request; retry says whether trying again may help.
func (f *Fetcher) gitHubOnce(ctx context.Context, u string, token secret.String) (raw []byte, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, &Error{Msg: fmt.Sprintf("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: %v", err), Hint: "run spin inside the GitHub Actions job"}
	}
	req.Header.Set("Authorization", "Bearer "+token.Reveal())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "spin")
	client := f.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, true, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxToken))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, false, &Error{Msg: fmt.Sprintf("GitHub refused the OIDC token request (%s): the job's request token is invalid or its job has ended", resp.Status),
			Hint: "run spin in the job that has `permissions: id-token: write`, while it runs"}
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, true, fmt.Errorf("%s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, false, &Error{Msg: fmt.Sprintf("GitHub's OIDC token endpoint answered %s", resp.Status), Hint: "retry the job"}
	}
	var v struct {
		Value string `json:"value"`
	}
	if json.Unmarshal(body, &v) != nil || v.Value == "" {
		return nil, false, &Error{Msg: "GitHub's OIDC token endpoint answered without a token", Hint: "retry the job"}
	}
	return []byte(v.Value), false, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		hint := "write the OIDC token there before spin runs (Kubernetes: a projected service account token; GitLab: the id_tokens variable)"
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Msg: fmt.Sprintf("token_file %s does not exist", path), Hint: hint, Err: err}
		}
		return nil, &Error{Msg: fmt.Sprintf("read token_file: %v", err), Hint: hint, Err: err}
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxToken+1))
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("read token_file %s: %v", path, err), Err: err}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || len(raw) > maxToken {
		return nil, &Error{Msg: fmt.Sprintf("token_file %s is empty or too large for a token", path),
			Hint: "write only the OIDC token into it"}
	}
	return raw, nil
}

// command runs token_command through sh -c and reads the token from its
// stdout; stderr goes into the error, stdout never does.
func (f *Fetcher) command(ctx context.Context, cmdline string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", cmdline)
	cmd.Dir, cmd.Env = f.Dir, f.Env
	cmd.WaitDelay = time.Second
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxToken+1, 4096
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		why := strings.TrimSpace(lastLine(stderr.String()))
		if why == "" {
			why = err.Error()
		} else {
			why = fmt.Sprintf("%v: %s", err, why)
		}
		if ctx.Err() != nil {
			why = "did not finish within 30s"
		}
		return nil, &Error{Msg: "token_command failed: " + why, Hint: "run token_command by hand in the CI job to see why", Err: err}
	}
	raw := bytes.TrimSpace(stdout.Bytes())
	if len(raw) == 0 || len(raw) > maxToken {
		return nil, &Error{Msg: "token_command printed no token (or more than 64 KiB)", Hint: "make it print only the OIDC token on stdout"}
	}
	return raw, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil // keep draining, so the command never blocks on a pipe
}

// parseClaims reads a JWT's payload without verifying it.
func parseClaims(raw []byte) (Claims, error) {
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("not three dot-separated parts")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, errors.New("the payload is not base64url")
	}
	var c Claims
	// Ids are strings at GitHub and GitLab, numbers elsewhere: decode
	// leniently.
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return Claims{}, errors.New("the payload is not JSON")
	}
	str := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case float64:
			return fmt.Sprintf("%.0f", v)
		}
		return ""
	}
	c.Sub, c.Repository, c.RunID, c.RunAttempt = str("sub"), str("repository"), str("run_id"), str("run_attempt")
	c.Project, c.PipelineID = str("project_path"), str("pipeline_id")
	if exp, ok := m["exp"].(float64); ok {
		c.Exp = int64(exp)
	}
	return c, nil
}

// SessionName is the default role session name for a token: traceable to
// the CI run (GitHub: repository and run id; GitLab: project and pipeline),
// else spin-ci-<host>. The result is a valid RoleSessionName.
func SessionName(c Claims, host string) string {
	const limit = 64
	fit := func(prefix, name, id string) string {
		name = strings.ReplaceAll(name, "/", ".")
		if room := limit - len(prefix) - len(id) - 1; len(name) > room {
			name = name[:max(room, 0)]
		}
		return profiles.SanitizeSessionName(prefix + name + "-" + id)
	}
	switch {
	case c.Repository != "" && c.RunID != "":
		return fit("gh-", c.Repository, c.RunID)
	case c.Project != "" && c.PipelineID != "":
		return fit("gl-", c.Project, c.PipelineID)
	}
	return profiles.SanitizeSessionName("spin-ci-" + host)
}
