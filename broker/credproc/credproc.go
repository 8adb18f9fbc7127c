// Package credproc is the credential_process helper: it asks spind for a
// profile's credentials and prints them for the SDK that ran it. SDKs start
// the helper once per client, often hundreds of times in one apply, so it
// speaks a minimal HTTP/1.0 exchange over the unix socket instead of linking
// net/http, whose start-up alone would double the helper's cost.
package credproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/termtext"
)

// Options say which profile to fetch and how to reach (or start) spind.
type Options struct {
	Profile     string
	SessionName string // SPIN_SESSION_NAME; empty: the profile's own
	Launch      launch.Options
	Timeout     time.Duration // whole run; default 50s, under the SDKs' 1 minute
	// Getenv reads SPIN_MFA_COMMAND; default os.Getenv.
	Getenv func(string) string
}

// Run fetches the credentials and writes the credential_process JSON to
// stdout. On failure it writes exactly one `spin: …` line to stderr (SDKs
// show it) and returns a non-zero exit code.
func Run(ctx context.Context, o Options, stdout, stderr io.Writer) int {
	if o.Timeout == 0 {
		o.Timeout = 50 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	out, err := fetch(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "spin: %s\n", termtext.Clean(strings.ReplaceAll(err.Error(), "\n", " ")))
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "spin: write credentials: %v\n", err)
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
	path := credentialsPath(o.Profile, o.SessionName, false)
	status, body, err := do(ctx, o.Launch.Socket, "GET", path, nil)
	if errors.Is(err, errNoListener) {
		if err := launch.Ensure(ctx, o.Launch); err != nil {
			return nil, err
		}
		status, body, err = do(ctx, o.Launch.Socket, "GET", path, nil)
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
	if status != 200 {
		return nil, decodeError(status, body, o.Profile)
	}
	// Re-encode rather than pass bytes through, so the SDK only ever gets
	// well-formed credential_process JSON.
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
	path := credentialsPath(o.Profile, o.SessionName, true)
	status, body, err := do(ctx, o.Launch.Socket, "GET", path, nil)
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
		_ = sendCode(ctx, o.Launch.Socket, o.Profile, "")
		return 0, nil, err
	}
	if err := sendCode(ctx, o.Launch.Socket, o.Profile, code); err != nil {
		return 0, nil, err
	}
	return do(ctx, o.Launch.Socket, "GET", path, nil)
}

func credentialsPath(profile, sessionName string, canPrompt bool) string {
	q := url.Values{}
	if sessionName != "" {
		q.Set("session_name", sessionName)
	}
	if canPrompt {
		q.Set("mfa", api.QueryMFAPrompt)
	}
	p := api.PathCredentials + escapePath(profile)
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

func escapePath(s string) string { return url.PathEscape(s) }

// decodeError turns spind's error body into an error.
func decodeError(status int, body []byte, profile string) error {
	var e api.Error
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return fmt.Errorf("spind answered status %d for profile %s", status, profile)
	}
	return &e
}

var errNoListener = errors.New("nothing listens on the socket")

// do sends one HTTP/1.0 request over the unix socket: the server then
// closes the connection after the body, so no chunked decoding is needed.
func do(ctx context.Context, socket, method, path string, body []byte) (int, []byte, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		if launch.NoListener(err) {
			return 0, nil, errNoListener
		}
		return 0, nil, fmt.Errorf("reach spind at %s: %w", socket, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	req := method + " " + path + " HTTP/1.0\r\nHost: spind\r\n"
	if body != nil {
		req += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"+string(body)); err != nil {
		return 0, nil, fmt.Errorf("ask spind: %w", err)
	}
	resp, err := io.ReadAll(io.LimitReader(c, api.MaxRequestBody))
	if err != nil {
		return 0, nil, fmt.Errorf("read spind's answer: %w", err)
	}
	return parseResponse(resp)
}

// parseResponse splits a raw HTTP/1.x response into status and body.
func parseResponse(resp []byte) (int, []byte, error) {
	head, body, ok := bytes.Cut(resp, []byte("\r\n\r\n"))
	if !ok {
		if len(resp) == 0 {
			// spind drops connections from other users without a word.
			return 0, nil, errors.New("spind closed the connection without answering: if the socket belongs to another user, set SPIN_SOCKET to one of yours; else see spind's log")
		}
		return 0, nil, errors.New("spind's answer was cut short")
	}
	statusLine, _, _ := bytes.Cut(head, []byte("\r\n"))
	f := strings.Fields(string(statusLine))
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return 0, nil, fmt.Errorf("spind answered %q, not HTTP", statusLine)
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, nil, fmt.Errorf("spind answered status %q", f[1])
	}
	return status, body, nil
}
