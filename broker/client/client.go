// Package client talks to spind over its unix socket. It is what cmd/spin
// links instead of the broker, so the CLI and the credential helper never
// load the keyring library or an STS client.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/broker/sock"
	"github.com/cloudspin/spin/internal/secret"
)

// Error is a non-2xx answer from spind. Its message and its next step
// (Hint) come apart, so the CLI prints the hint on a line of its own.
type Error struct {
	Status int
	Body   api.Error
}

func (e *Error) Error() string { return e.Body.Message }

// Hint is spind's next step for the user, if it named one.
func (e *Error) Hint() string { return e.Body.Hint }

// Unwrap is spind's answer, whose own Error() is one line with the hint.
func (e *Error) Unwrap() error { return &e.Body }

// Code is spind's error code, e.g. api.CodeLocked.
func (e *Error) Code() string { return e.Body.Code }

// Client is a connection pool to one spind socket.
type Client struct {
	socket string
	http   *http.Client
	// AnswerTimeout bounds the wait for spind's first byte (a 102
	// Processing counts): a spind that says nothing is stopped or hung.
	AnswerTimeout time.Duration
	start         *starter // nil: never start spind
}

// DefaultAnswerTimeout is AnswerTimeout's default.
const DefaultAnswerTimeout = 5 * time.Second

// New returns a client for the socket at path. It sends nothing until the
// socket, its directory and the process answering are the user's own
// (broker/sock).
func New(path string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return Dial(ctx, path)
		},
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
	return &Client{socket: path, http: &http.Client{Transport: tr}, AnswerTimeout: DefaultAnswerTimeout}
}

// Socket is the path the client dials.
func (c *Client) Socket() string { return c.socket }

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// do sends one request; body may be nil. Nothing answering on the socket
// is launch.ErrNoDaemon, wrapped. out, when non-nil, receives the
// decoded JSON answer.
func (c *Client) do(ctx context.Context, method, path string, body io.Reader, out any) error {
	if err := c.start.ensure(ctx); err != nil {
		return err
	}
	// Until spind's first byte, it gets AnswerTimeout; then ctx's own.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The connection is kept, not its peer's pid: the pid is for the
	// message of a spind that stays silent, and asking the kernel for it
	// (getsockopt) on every request would cost more than the rest of a
	// cached answer's client side.
	var got struct { // one allocation, not one per variable
		sync.Mutex
		conn net.Conn
	}
	silent := time.AfterFunc(c.AnswerTimeout, func() {
		got.Lock()
		conn := got.conn
		got.Unlock()
		cancel(sock.NoAnswer(c.socket, peerPID(conn), c.AnswerTimeout))
	})
	defer silent.Stop()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			got.Lock()
			got.conn = i.Conn
			got.Unlock()
		},
		GotFirstResponseByte: func() { silent.Stop() },
	})
	req, err := http.NewRequestWithContext(ctx, method, "http://spind"+path, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *sock.UntrustedError
		switch {
		case silentErr(ctx) != nil:
			return silentErr(ctx)
		case sock.NoListener(err):
			return fmt.Errorf("%w (socket %s)", launch.ErrNoDaemon, c.socket)
		case errors.As(err, &ue):
			return ue
		}
		return fmt.Errorf("ask spind at %s: %w", c.socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode}
		if err := json.NewDecoder(io.LimitReader(resp.Body, api.MaxRequestBody)).Decode(&e.Body); err != nil || e.Body.Message == "" {
			e.Body.Code, e.Body.Message = api.CodeInternal, fmt.Sprintf("spind answered %s", resp.Status)
		}
		return e
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if dec, ok := out.(func(io.Reader) error); ok {
		return dec(resp.Body)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out); err != nil {
		return fmt.Errorf("decode spind answer to %s: %w", path, err)
	}
	return nil
}

// Credentials asks for a profile's credentials. sessionName may be empty.
func (c *Client) Credentials(ctx context.Context, profile, sessionName string) (api.Credentials, error) {
	return c.credentials(ctx, profile, sessionName, false)
}

// SessionCredentials asks for a profile's credentials as a session only
// (api.QueryTemporary): what spin exec's endpoint hands out.
func (c *Client) SessionCredentials(ctx context.Context, profile, sessionName string) (api.Credentials, error) {
	return c.credentials(ctx, profile, sessionName, true)
}

func (c *Client) credentials(ctx context.Context, profile, sessionName string, temporary bool) (api.Credentials, error) {
	q := url.Values{}
	if sessionName != "" {
		q.Set("session_name", sessionName)
	}
	if temporary {
		q.Set(api.QueryTemporary, "1")
	}
	p := api.PathCredentials + url.PathEscape(profile)
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	var creds api.Credentials
	err := c.do(ctx, http.MethodGet, p, nil, func(r io.Reader) error {
		var err error
		creds, err = api.DecodeProcessJSON(r)
		return err
	})
	return creds, err
}

// PutKey stores a key set in spind's keyring.
func (c *Client) PutKey(ctx context.Context, name string, k api.KeyRequest) error {
	var buf bytes.Buffer
	if err := k.Encode(&buf); err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, api.PathKeys+"/"+url.PathEscape(name), &buf, nil)
}

// SetExport grants (with the key set's secret as proof) or revokes a key
// set's allow-export.
func (c *Client) SetExport(ctx context.Context, name string, req api.ExportRequest) error {
	var buf bytes.Buffer
	if err := req.Encode(&buf); err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, api.PathKeys+"/"+url.PathEscape(name)+"/export", &buf, nil)
}

// ListKeys lists stored key sets with masked key ids.
func (c *Client) ListKeys(ctx context.Context) ([]api.KeyInfo, error) {
	var keys []api.KeyInfo
	err := c.do(ctx, http.MethodGet, api.PathKeys, nil, &keys)
	return keys, err
}

// Key is one stored key set as ListKeys shows it, or spind's error for a
// name it does not hold (with the name meant).
func (c *Client) Key(ctx context.Context, name string) (api.KeyInfo, error) {
	var k api.KeyInfo
	err := c.do(ctx, http.MethodGet, api.PathKeys+"/"+url.PathEscape(name), nil, &k)
	if e, ok := errors.AsType[*Error](err); ok && e.Status == http.StatusMethodNotAllowed {
		// A spind older than GET /v1/keys/{name} (still running after an
		// upgrade): the listing has the same, without the name meant.
		keys, err := c.ListKeys(ctx)
		if err != nil {
			return api.KeyInfo{}, err
		}
		for _, k := range keys {
			if k.Name == name {
				return k, nil
			}
		}
		return api.KeyInfo{}, &Error{Status: http.StatusNotFound, Body: api.Error{Code: api.CodeNotFound,
			Message: "no key set " + name + " in the keyring", Hint: "run 'spin keys list'"}}
	}
	return k, err
}

// RemoveKey deletes a key set.
func (c *Client) RemoveKey(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, api.PathKeys+"/"+url.PathEscape(name), nil, nil)
}

// Unlock hands the file keyring's passphrase to spind.
func (c *Client) Unlock(ctx context.Context, passphrase secret.String) error {
	var buf bytes.Buffer
	if err := (api.UnlockRequest{Passphrase: passphrase}).Encode(&buf); err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, api.PathUnlock, &buf, nil)
}

// Lock makes spind forget its key sets and the keyring passphrase until
// the next Unlock; cached role sessions are still served.
func (c *Client) Lock(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, api.PathLock, nil, nil)
}

// MFA hands spind an MFA code for a profile's key set.
func (c *Client) MFA(ctx context.Context, profile, code string) error {
	body, err := json.Marshal(map[string]string{"code": code})
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, api.PathMFA+url.PathEscape(profile), bytes.NewReader(body), nil)
}

// MFACheck asks spind whether it could take an MFA code for profile (the
// profile, its key set and MFA device are there) without giving one: the
// error it would answer a code with, or nil.
//
// A spind older than the check refuses the field it does not know, and
// takes nothing from the request: then nothing can be checked before the
// code, as before, and MFACheck says nil.
func (c *Client) MFACheck(ctx context.Context, profile string) error {
	err := c.do(ctx, http.MethodPost, api.PathMFA+url.PathEscape(profile), strings.NewReader(`{"check":true}`), nil)
	if e, ok := errors.AsType[*Error](err); ok && e.Status == http.StatusBadRequest && strings.Contains(e.Body.Message, `unknown field "check"`) {
		return nil
	}
	return err
}

// ClearSessions drops cached role sessions, all or one profile's, and
// says how many were dropped.
func (c *Client) ClearSessions(ctx context.Context, profile string) (int, error) {
	out, err := c.Clear(ctx, profile, false)
	return out.Cleared, err
}

// Clear drops cached role sessions, all or one profile's, and with mfa
// also the MFA sessions (all, or the profile's key set's), so the next
// new session asks for a code.
func (c *Client) Clear(ctx context.Context, profile string, mfa bool) (api.ClearedSessions, error) {
	p := api.PathSessions
	if profile != "" {
		p += "/" + url.PathEscape(profile)
	}
	if mfa {
		p += "?" + api.QueryClearMFA + "=1"
	}
	var out api.ClearedSessions
	err := c.do(ctx, http.MethodDelete, p, nil, &out)
	return out, err
}

// silentErr is the no-answer error if the answer timer ended ctx.
func silentErr(ctx context.Context) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	return nil
}

// StatusTimeout bounds a status call: spind answers it from memory.
const StatusTimeout = 10 * time.Second

// Status reports spind's state.
func (c *Client) Status(ctx context.Context) (api.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, StatusTimeout)
	defer cancel()
	var st api.Status
	err := c.do(ctx, http.MethodGet, api.PathStatus, nil, &st)
	return st, err
}

// CheckKeyring is Status after spind opened its keyring (resolving auto):
// Status.KeyringError says why it cannot, with KeyringHint. Opening may
// wait on a slow keyring daemon, hence its own timeout.
func (c *Client) CheckKeyring(ctx context.Context) (api.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var st api.Status
	err := c.do(ctx, http.MethodGet, api.PathStatus+"?keyring=check", nil, &st)
	return st, err
}

// Shutdown asks spind to exit.
func (c *Client) Shutdown(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, api.PathShutdown, nil, nil)
}
