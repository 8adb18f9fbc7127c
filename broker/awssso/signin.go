package awssso

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// LoopbackRedirect is the redirect URI spind registers for the browser
// flow; the CLI's listener picks the port, which SSO OIDC ignores for
// loopback addresses (RFC 8252 7.3), so one registration serves them all.
const LoopbackRedirect = "http://127.0.0.1/oauth/callback"

// DeviceInfo is what the CLI shows for a device sign-in.
type DeviceInfo struct {
	UserCode    string
	URL         string
	URLComplete string
	Expires     time.Time
}

type deviceFlow struct {
	info DeviceInfo
	done chan struct{}
	err  error
	// abandoned: spin logout ran while it waited for the code; guarded
	// by the Source's mu.
	abandoned bool
}

type browserFlow struct {
	reg         Registration
	pkce        PKCE
	redirectURI string
	expires     time.Time
}

// StartDevice starts a device sign-in, or returns the one in progress: one
// user code however many callers ask. Polling runs in the background until
// the user approves, denies or the code expires; Wait reports the end.
func (s *Source) StartDevice(ctx context.Context) (DeviceInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadLocked(ctx); err != nil {
		return DeviceInfo{}, err
	}
	now := s.now()
	if f := s.device; f != nil && now.Before(f.info.Expires) {
		return f.info, nil
	}
	reg := toReg(s.st.Device)
	if !reg.Usable(now) {
		r, err := s.Client.Register(ctx, "")
		if err != nil {
			s.lastErr = err.Error()
			return DeviceInfo{}, err
		}
		reg = r
		s.st.Device = fromReg(r)
		s.saveLocked(ctx)
	}
	d, err := s.Client.StartDevice(ctx, reg, now)
	var e *Error
	if errors.As(err, &e) && e.Code == "InvalidClientException" {
		// The registration was revoked or belongs elsewhere: register anew.
		s.log().Info("sso: client registration refused; registering again", "source", s.Name)
		if reg, err = s.Client.Register(ctx, ""); err == nil {
			s.st.Device = fromReg(reg)
			s.saveLocked(ctx)
			d, err = s.Client.StartDevice(ctx, reg, now)
		}
	}
	if err != nil {
		s.lastErr = err.Error()
		return DeviceInfo{}, err
	}
	f := &deviceFlow{info: DeviceInfo{UserCode: d.UserCode, URL: d.URL, URLComplete: d.URLComplete, Expires: d.Expires},
		done: make(chan struct{})}
	s.device = f
	go s.poll(f, d)
	return f.info, nil
}

func (s *Source) poll(f *deviceFlow, d *Device) {
	sleep := s.Sleep
	if sleep == nil {
		sleep = RealSleep
	}
	// Detached from the caller: others may be waiting for the same code.
	ctx, cancel := context.WithDeadline(context.Background(), d.Expires.Add(time.Minute))
	defer cancel()
	t, err := s.Client.PollDevice(ctx, d, s.now, sleep)
	s.mu.Lock()
	switch {
	case err != nil:
		s.lastErr = err.Error()
	case f.abandoned:
		err = fmt.Errorf("source %s: %w: 'spin logout' ended this sign-in before its code was confirmed", s.Name, ErrSigninRequired)
	default:
		s.setTokenLocked(ctx, t)
	}
	if s.device == f {
		s.device = nil
	}
	s.mu.Unlock()
	f.err = err
	close(f.done)
}

// WaitDevice waits for the device sign-in in progress to end.
func (s *Source) WaitDevice(ctx context.Context) error {
	s.mu.Lock()
	f := s.device
	s.mu.Unlock()
	if f == nil {
		if ok, _ := s.SignedIn(ctx); ok {
			return nil
		}
		return errors.New("no device sign-in in progress")
	}
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StartBrowser starts an authorization-code sign-in whose browser comes
// back to redirectURI (the CLI's loopback listener). spind keeps the PKCE
// verifier; the CLI only relays the code and state to CompleteBrowser.
func (s *Source) StartBrowser(ctx context.Context, redirectURI string) (authorizeURL, state string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadLocked(ctx); err != nil {
		return "", "", err
	}
	now := s.now()
	reg := toReg(s.st.Browser)
	if !reg.Usable(now) {
		r, err := s.Client.Register(ctx, LoopbackRedirect)
		if err != nil {
			s.lastErr = err.Error()
			return "", "", err
		}
		reg = r
		s.st.Browser = fromReg(r)
		s.saveLocked(ctx)
	}
	p := NewPKCE()
	state = RandomState()
	u, err := s.Client.AuthorizeURL(ctx, reg, redirectURI, state, p)
	if err != nil {
		return "", "", err
	}
	if s.browsers == nil {
		s.browsers = map[string]*browserFlow{}
	}
	for k, f := range s.browsers {
		if !now.Before(f.expires) {
			delete(s.browsers, k)
		}
	}
	s.browsers[state] = &browserFlow{reg: reg, pkce: p, redirectURI: redirectURI, expires: now.Add(10 * time.Minute)}
	return u, state, nil
}

// CompleteBrowser exchanges the code the browser brought back. state must
// be one StartBrowser handed out (and is spent either way).
func (s *Source) CompleteBrowser(ctx context.Context, state, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.browsers[state]
	delete(s.browsers, state)
	if f == nil || !s.now().Before(f.expires) {
		return fmt.Errorf("source %s: no sign-in in progress with that state: run 'spin login %s' again", s.Name, s.Name)
	}
	t, err := s.Client.ExchangeCode(ctx, f.reg, code, f.redirectURI, f.pkce, s.now())
	if err != nil {
		s.lastErr = err.Error()
		return err
	}
	s.setTokenLocked(ctx, t)
	return nil
}
