// Package credproc is the credential_process helper: it asks spind for a
// profile's credentials and prints them for the SDK that ran it. SDKs start
// the helper once per client, often hundreds of times in one apply, so the
// common path is one connection made with raw system calls (broker/sock,
// no net, no cgo: the binary is static), one HTTP/1.0 exchange, and
// spind's JSON passed through after a cheap check. Starting spind and MFA
// prompting are rare and may cost more.
package credproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/broker/sock"
	"github.com/cloudspin/spin/internal/termtext"
)

// Options say which profile to fetch and how to reach (or start) spind.
type Options struct {
	Profile     string
	SessionName string // SPIN_SESSION_NAME; empty: the profile's own
	Launch      launch.Options
	Timeout     time.Duration // whole run; default 50s, under the SDKs' 1 minute
	// AnswerTimeout bounds the wait for spind's first byte; default 5s.
	// spind answers a cached request at once, and says "102 Processing"
	// within a second when it must wait (STS, an MFA code, the keyring),
	// after which only Timeout applies: a spind that says nothing at all is
	// stopped or hung.
	AnswerTimeout time.Duration
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
	if o.AnswerTimeout == 0 {
		o.AnswerTimeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	out, err := fetch(ctx, o)
	if err != nil {
		io.WriteString(stderr, "spin: "+termtext.Clean(strings.ReplaceAll(err.Error(), "\n", " "))+"\n")
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
	path := credentialsPath(o.Profile, o.SessionName, false)
	status, body, err := do(ctx, o, "GET", path, nil)
	if errors.Is(err, errNoListener) {
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
		return nil, decodeError(status, body, o.Profile)
	}
	if processJSON(body) {
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

// processJSON is the cheap check that lets spind's bytes through: valid
// JSON that starts the way api.Credentials renders it, with a key id and
// a secret.
func processJSON(b []byte) bool {
	const head = `{"Version":1,"AccessKeyId":"`
	rest, ok := bytes.CutPrefix(b, []byte(head))
	if !ok || len(rest) == 0 || rest[0] == '"' {
		return false
	}
	_, secret, ok := bytes.Cut(rest, []byte(`","SecretAccessKey":"`))
	return ok && len(secret) > 0 && secret[0] != '"' && json.Valid(b)
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

func credentialsPath(profile, sessionName string, canPrompt bool) string {
	p := api.PathCredentials + escape(profile, false)
	sep := "?"
	if sessionName != "" {
		p += sep + "session_name=" + escape(sessionName, true)
		sep = "&"
	}
	if canPrompt {
		p += sep + "mfa=" + api.QueryMFAPrompt
	}
	return p
}

// escape percent-encodes s as a path segment or a query value, as
// net/url's PathEscape and QueryEscape do (net/url would link net/netip,
// whose start-up the helper does not need).
func escape(s string, query bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case query && c == ' ':
			b.WriteByte('+')
		case !query && strings.IndexByte("$&+:=@", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

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
func do(ctx context.Context, o Options, method, path string, body []byte) (int, []byte, error) {
	deadline, _ := ctx.Deadline()
	answerBy := time.Now().Add(o.AnswerTimeout)
	if deadline.Before(answerBy) {
		answerBy = deadline
	}
	socket := o.Launch.Socket
	c, err := sock.Dial(socket, answerBy)
	if err != nil {
		if launch.NoListener(err) {
			return 0, nil, errNoListener
		}
		if errors.Is(err, sock.ErrTimeout) {
			return 0, nil, sock.NoAnswer(socket, 0, o.AnswerTimeout)
		}
		var ue *sock.UntrustedError
		if errors.As(err, &ue) {
			return 0, nil, err
		}
		return 0, nil, errors.New("reach spind at " + socket + ": " + err.Error())
	}
	defer c.Close()
	req := method + " " + path + " HTTP/1.0\r\nHost: spind\r\n"
	if body != nil {
		req += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	if err := c.Write([]byte(req+"\r\n"+string(body)), answerBy); err != nil {
		if errors.Is(err, sock.ErrTimeout) {
			return 0, nil, sock.NoAnswer(socket, c.PeerPID(), o.AnswerTimeout)
		}
		return 0, nil, errors.New("ask spind: " + err.Error())
	}
	resp := make([]byte, 0, 4096)
	for {
		if len(resp) == cap(resp) {
			if len(resp) > api.MaxRequestBody {
				return 0, nil, errors.New("spind's answer is over " + strconv.Itoa(api.MaxRequestBody) + " bytes")
			}
			resp = append(resp, make([]byte, len(resp))...)[:len(resp)]
		}
		// Until spind says anything, it gets AnswerTimeout; then the rest.
		by := deadline
		if len(resp) == 0 {
			by = answerBy
		}
		n, err := c.Read(resp[len(resp):cap(resp)], by)
		if err != nil {
			if errors.Is(err, sock.ErrTimeout) && len(resp) == 0 {
				return 0, nil, sock.NoAnswer(socket, c.PeerPID(), o.AnswerTimeout)
			}
			return 0, nil, errors.New("read spind's answer: " + err.Error())
		}
		if n == 0 {
			break
		}
		resp = resp[:len(resp)+n]
	}
	return parseResponse(resp)
}

// parseResponse splits a raw HTTP/1.x response into status and body,
// skipping informational (1xx) answers such as spind's 102 Processing.
func parseResponse(resp []byte) (int, []byte, error) {
	for {
		head, body, ok := bytes.Cut(resp, []byte("\r\n\r\n"))
		if !ok {
			if len(resp) == 0 {
				// spind drops connections from other users without a word.
				return 0, nil, errors.New("spind closed the connection without answering: if the socket belongs to another user, set SPIN_SOCKET to one of yours; else see spind's log")
			}
			return 0, nil, errors.New("spind's answer was cut short")
		}
		statusLine, _, _ := bytes.Cut(head, []byte("\r\n"))
		proto, rest, _ := bytes.Cut(statusLine, []byte(" "))
		code, _, _ := bytes.Cut(rest, []byte(" "))
		if !bytes.HasPrefix(proto, []byte("HTTP/1.")) || len(code) == 0 {
			return 0, nil, fmt.Errorf("spind answered %q, not HTTP", statusLine)
		}
		status, err := strconv.Atoi(string(code))
		if err != nil {
			return 0, nil, fmt.Errorf("spind answered status %q", code)
		}
		if status >= 100 && status < 200 {
			resp = body
			continue
		}
		return status, body, nil
	}
}
