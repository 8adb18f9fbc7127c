// Package credask is the exchange every credential_process helper makes
// with spind: one connection made with raw system calls (broker/sock), one
// HTTP/1.0 request, and spind's credential_process JSON passed through
// after a cheap check. It links nothing heavier than strconv: the lean
// helper, started once per SDK client, pays start-up time for every
// package it links, and this is its whole common path. The rare paths
// (starting spind, MFA prompts, sign-in) are broker/credproc's.
package credask

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/sock"
	"github.com/cloudspin/spin/internal/jsonscan"
	"github.com/cloudspin/spin/internal/termtext"
)

// PathCredentials is spind's credentials endpoint (api.PathCredentials;
// a test keeps the two equal).
const PathCredentials = "/v1/credentials/"

// maxAnswer bounds spind's answer (api.MaxRequestBody; a test keeps the
// two equal).
const maxAnswer = 64 << 10

// QueryMFAPrompt is the mfa= value of a helper that can prompt
// (api.QueryMFAPrompt).
const QueryMFAPrompt = "prompt"

// QueryConfig is the query parameter naming the helper's spin config
// (api.QueryConfig).
const QueryConfig = "config"

// EmptyProfile is what both helpers say when given an empty profile name
// (a script's unset variable): asked for it, spind could only answer that
// /v1/credentials/ is no endpoint.
const EmptyProfile = "the profile name is empty: name one of the profiles in config.yaml ('spin list' shows them)"

// Timeout bounds a helper's whole run, under the SDKs' one minute;
// AnswerTimeout bounds the wait for spind's first byte: spind answers a
// cached request at once and says "102 Processing" within a second when
// it must wait, so a spind silent for longer is stopped or hung.
const (
	Timeout       = 50 * time.Second
	AnswerTimeout = 5 * time.Second
)

// The error codes of spind's 401 answers (api.CodeMFARequired and
// api.CodeSigninRequired).
const (
	codeMFARequired    = "mfa_required"
	codeSigninRequired = "signin_required"
)

// ErrNoListener: nothing listens on the socket, so spind must be started.
var ErrNoListener = errors.New("nothing listens on the socket")

// Path is the credentials request's path for profile, naming the role
// session when sessionName is set, the spin config the credential_process
// line names (its --config, absolute) when config is set, and saying so
// when the caller can prompt for an MFA code.
func Path(profile, sessionName, config string, canPrompt bool) string {
	p := PathCredentials + Escape(profile, false)
	sep := "?"
	if sessionName != "" {
		p += sep + "session_name=" + Escape(sessionName, true)
		sep = "&"
	}
	if config != "" {
		p += sep + QueryConfig + "=" + Escape(config, true)
		sep = "&"
	}
	if canPrompt {
		p += sep + "mfa=" + QueryMFAPrompt
	}
	return p
}

// Escape percent-encodes s as a path segment or a query value, as
// net/url's PathEscape and QueryEscape do (net/url would link net/netip,
// whose start-up the helper does not need).
func Escape(s string, query bool) string {
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

// Ask sends one HTTP/1.0 request over the unix socket (the server then
// closes the connection after the body, so no chunked decoding is
// needed) and returns the final status and body. spind must say its first
// byte within answerTimeout; after that only deadline applies, since it
// says "102 Processing" at once when it must wait (STS, an MFA code, the
// keyring). ErrNoListener means nobody answered the connect.
func Ask(socket, method, path string, body []byte, answerTimeout time.Duration, deadline time.Time) (int, []byte, error) {
	answerBy := time.Now().Add(answerTimeout)
	if deadline.Before(answerBy) {
		answerBy = deadline
	}
	c, err := sock.Dial(socket, answerBy)
	if err != nil {
		if sock.NoListener(err) {
			return 0, nil, ErrNoListener
		}
		if errors.Is(err, sock.ErrTimeout) {
			return 0, nil, sock.NoAnswer(socket, 0, answerTimeout)
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
			return 0, nil, sock.NoAnswer(socket, c.PeerPID(), answerTimeout)
		}
		return 0, nil, errors.New("ask spind: " + err.Error())
	}
	resp := make([]byte, 0, 4096)
	for {
		if len(resp) == cap(resp) {
			if len(resp) > maxAnswer {
				return 0, nil, errors.New("spind's answer is over " + strconv.Itoa(maxAnswer) + " bytes")
			}
			resp = append(resp, make([]byte, len(resp))...)[:len(resp)]
		}
		// Until spind says anything, it gets answerTimeout; then the rest.
		by := deadline
		if len(resp) == 0 {
			by = answerBy
		}
		n, err := c.Read(resp[len(resp):cap(resp)], by)
		if err != nil {
			if errors.Is(err, sock.ErrTimeout) && len(resp) == 0 {
				return 0, nil, sock.NoAnswer(socket, c.PeerPID(), answerTimeout)
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
			return 0, nil, errors.New("spind answered " + strconv.Quote(string(statusLine)) + ", not HTTP")
		}
		status, err := strconv.Atoi(string(code))
		if err != nil {
			return 0, nil, errors.New("spind answered status " + strconv.Quote(string(code)))
		}
		if status >= 100 && status < 200 {
			resp = body
			continue
		}
		return status, body, nil
	}
}

// ProcessJSON is the cheap check that lets spind's bytes through: valid
// JSON that starts the way api.Credentials renders it, with a key id and
// a secret.
func ProcessJSON(b []byte) bool {
	const head = `{"Version":1,"AccessKeyId":"`
	rest, ok := bytes.CutPrefix(b, []byte(head))
	if !ok || len(rest) == 0 || rest[0] == '"' {
		return false
	}
	_, secret, ok := bytes.Cut(rest, []byte(`","SecretAccessKey":"`))
	return ok && len(secret) > 0 && secret[0] != '"' && jsonscan.Valid(b)
}

// Refusal is spind's error body (api.Error) as the helper shows it.
type Refusal struct {
	Code, Message, Hint string
}

// Error reads as api.Error's (a test keeps the two equal).
func (r *Refusal) Error() string {
	if r.Hint != "" {
		return r.Message + ": " + r.Hint
	}
	return r.Message
}

// Refused decodes spind's answer to a request for profile that did not
// give credentials.
func Refused(status int, body []byte, profile string) error {
	m, ok := jsonscan.Strings(body)
	if !ok || m["message"] == "" {
		return errors.New("spind answered status " + strconv.Itoa(status) + " for profile " + profile)
	}
	return &Refusal{Code: m["error"], Message: m["message"], Hint: m["hint"]}
}

// Promptable reports whether spind's 401 answer asks for something this
// process could give: an MFA code, with a terminal in the foreground or
// SPIN_MFA_COMMAND to ask, or the sign-in of an sso or login source, with
// a terminal in the foreground to run it. Otherwise the refusal is the
// answer, and only broker/credproc's longer path could do more.
func Promptable(body []byte, getenv func(string) string) bool {
	m, ok := jsonscan.Strings(body)
	if !ok {
		return false
	}
	switch {
	case m["error"] == codeMFARequired && getenv("SPIN_MFA_COMMAND") != "":
		return true
	case m["error"] == codeMFARequired,
		m["error"] == codeSigninRequired && m["source"] != "" && (m["source_kind"] == "sso" || m["source_kind"] == "login"):
		if tty := ForegroundTTY(); tty != nil {
			tty.Close()
			return true
		}
	}
	return false
}

// Line is err as the helper's one line on stderr: SDKs show it, and it
// may carry AWS's words, so control characters are stripped.
func Line(err error) string {
	return "spin: " + termtext.Clean(strings.ReplaceAll(err.Error(), "\n", " ")) + "\n"
}
