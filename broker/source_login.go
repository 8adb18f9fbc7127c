package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/awslogin"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
	"github.com/cloudspin/spin/profiles"
)

// loginSource is the console sign-in `aws login` does (AWS Sign-In): spind
// holds the login session (refresh token and DPoP key) in memory and the
// keyring, refreshes the console credentials with a fresh DPoP proof each
// time, and assumes profiles' roles with them (not role chaining: they are
// the IAM user's own session). A profile without role_arn gets the console
// credentials themselves.
type loginSource struct {
	b      *Broker
	mu     sync.Mutex
	states map[string]*loginState // by source name
	flight singleflight.Group     // one refresh per source however many callers
}

type loginState struct {
	sess     *awslogin.Session // nil: not signed in
	obtained time.Time         // when sess.Credentials arrived
	loaded   bool              // the keyring was asked for a stored session
	ended    string            // why the last session ended, for the next caller
	flow     *awslogin.Flow    // a sign-in waiting for its code
	flowAt   time.Time
	refresh  int // refresh-grant calls made
	lastErr  string
}

// flowLifetime bounds how long a started sign-in waits for its code; Sign-In
// codes last minutes, and a forgotten browser tab must not sign in later.
const flowLifetime = 10 * time.Minute

func newLoginSource(b *Broker) *loginSource {
	return &loginSource{b: b, states: map[string]*loginState{}}
}

func (s *loginSource) stateLocked(name string) *loginState {
	st := s.states[name]
	if st == nil {
		st = &loginState{}
		s.states[name] = st
	}
	return st
}

// client is the Sign-In client for def, routed as every AWS call of spind
// (endpoints.signin, the proxy and CA bundle of network:).
func (s *loginSource) client(def profiles.SourceDef) (*awslogin.Client, error) {
	ep, hc, err := s.b.Route(awsnet.Signin)
	if err != nil {
		return nil, err
	}
	return &awslogin.Client{Region: def.Login.Region, Endpoint: ep, HTTPClient: hc, Now: s.b.now}, nil
}

// Direct: every credential of a login source is a session the cache holds.
func (s *loginSource) Direct(context.Context, Request) (api.Credentials, bool, *api.Error) {
	return api.Credentials{}, false, nil
}

func (s *loginSource) Prepare(ctx context.Context, req Request) (Obtain, *api.Error) {
	console, aerr := s.console(ctx, req)
	if aerr != nil {
		return nil, aerr
	}
	p := req.Profile
	if p.RoleARN == "" {
		return func(context.Context) (api.Credentials, error) { return console, nil }, nil
	}
	return func(ctx context.Context) (api.Credentials, error) {
		return s.b.cfg.STS.AssumeRole(ctx, console, assumeRoleInput(p, req.SessionName))
	}, nil
}

func (s *loginSource) Explain(req Request, err error) *api.Error {
	p := req.Profile
	return errorf(api.CodeSTSFailed, stsHint(err, p.Source, p.Name),
		"profile %s (console sign-in %s): assume %s: %s", p.Name, p.Source, p.RoleARN, stsMessage(err))
}

// fresh reports whether console credentials are still worth handing on:
// at least half their life left (Sign-In's last 15 minutes, so AWS CLI and
// SDK callers get minutes, not seconds), and never under 5 seconds.
func fresh(c api.Credentials, obtained, now time.Time) bool {
	left := c.Expiration.Sub(now)
	return left > 5*time.Second && left >= c.Expiration.Sub(obtained)/2
}

// console returns console credentials for req's source, refreshing them
// (once, for all callers) when they are past half their life.
func (s *loginSource) console(ctx context.Context, req Request) (api.Credentials, *api.Error) {
	name := req.Def.Name
	sess, aerr := s.session(ctx, name)
	if aerr != nil {
		return api.Credentials{}, aerr
	}
	if sess == nil {
		return api.Credentials{}, s.needSignin(req)
	}
	s.mu.Lock()
	st := s.stateLocked(name)
	if st.sess != nil && fresh(st.sess.Credentials, st.obtained, s.b.now()) {
		c := st.sess.Credentials
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Unlock()

	ch := s.flight.DoChan(name, func() (any, error) {
		return nil, s.refresh(name, req.Def)
	})
	var err error
	select {
	case <-ctx.Done():
		return api.Credentials{}, errorf(api.CodeInternal, "", "source %s: %v", name, ctx.Err())
	case res := <-ch:
		err = res.Err
	}
	s.mu.Lock()
	st = s.stateLocked(name)
	cur := st.sess
	var c api.Credentials
	if cur != nil {
		c = cur.Credentials
	}
	s.mu.Unlock()
	switch {
	case err == nil && cur != nil:
		return c, nil
	case awslogin.NeedsSignin(err) || cur == nil:
		return api.Credentials{}, s.needSignin(req)
	case c.Expiration.Sub(s.b.now()) > 5*time.Second:
		// Sign-In failed but the console credentials still work: use them.
		s.b.log.Warn("Sign-In refresh failed; using the console credentials held", "source", name, "err", err)
		return c, nil
	}
	return api.Credentials{}, s.refreshError(req, err)
}

// refresh runs the refresh grant for source name with a fresh DPoP proof,
// detached from any one caller. A session AWS ended is forgotten, in memory
// and in the keyring.
func (s *loginSource) refresh(name string, def profiles.SourceDef) error {
	s.mu.Lock()
	st := s.stateLocked(name)
	if st.sess == nil {
		s.mu.Unlock()
		return nil
	}
	if fresh(st.sess.Credentials, st.obtained, s.b.now()) { // a flight that just ended did it
		s.mu.Unlock()
		return nil
	}
	cp := *st.sess
	st.refresh++
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := s.b.now()
	oldToken := cp.RefreshToken
	client, err := s.client(def)
	if err == nil {
		err = client.Refresh(ctx, &cp)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st = s.stateLocked(name)
	if st.sess == nil || st.sess.Key != cp.Key { // signed out or in again meanwhile
		return err
	}
	if err != nil {
		st.lastErr = err.Error()
		if awslogin.NeedsSignin(err) {
			st.sess, st.ended = nil, endReason(err)
			s.b.log.Warn("console sign-in ended", "source", name, "reason", st.ended)
			go s.forget(name)
		} else {
			s.b.log.Warn("Sign-In refresh failed", "source", name, "err", err)
		}
		return err
	}
	st.sess, st.obtained, st.lastErr = &cp, start, ""
	s.b.log.Info("console credentials refreshed", "source", name,
		"access_key_id", secret.MaskKeyID(cp.Credentials.AccessKeyID), "expires", cp.Credentials.Expiration)
	if !cp.RefreshToken.Equal(oldToken) {
		go s.persist(name, &cp)
	}
	return nil
}

func endReason(err error) string {
	var e *awslogin.Error
	if errors.As(err, &e) && e.Code == awslogin.CodeUserCredentialsChanged {
		return "the user's credentials changed (password reset or MFA change), which ended the console session"
	}
	return "the console session has expired"
}

func (s *loginSource) needSignin(req Request) *api.Error {
	name := req.Def.Name
	s.mu.Lock()
	why := s.stateLocked(name).ended
	s.mu.Unlock()
	msg := fmt.Sprintf("source %s needs a sign-in", name)
	if why != "" {
		msg = fmt.Sprintf("source %s needs a sign-in: %s", name, why)
	}
	return signinRequired(name, profiles.KindLogin, fmt.Sprintf("run 'spin login %s'", name), "%s", msg)
}

func (s *loginSource) refreshError(req Request, err error) *api.Error {
	return s.signinError(req.Def.Name, "refresh console credentials", err)
}

// signinError is the one line for a failed Sign-In call.
func (s *loginSource) signinError(name, what string, err error) *api.Error {
	var e *awslogin.Error
	if errors.As(err, &e) && e.Code == awslogin.CodeInsufficientPermissions {
		return errorf(api.CodeSTSFailed,
			"an administrator must allow this user signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token; then run 'spin login "+name+"'",
			"source %s: Sign-In refused the console credentials: the user lacks the Sign-In permissions (INSUFFICIENT_PERMISSIONS)", name)
	}
	if errors.As(err, &e) && (e.Code == awslogin.CodeAuthcodeExpired || e.Code == "INVALID_REQUEST") {
		return errorf(api.CodeSTSFailed, "run 'spin login "+name+"' again", "source %s: %s: %v", name, what, err)
	}
	if msg, hint, ok := noAnswer(err); ok {
		return errorf(api.CodeSTSFailed, hint, "source %s: %s: %s", name, what, msg)
	}
	return errorf(api.CodeSTSFailed, "check the network path to Sign-In (endpoints.signin if set), then retry",
		"source %s: %s: %v", name, what, err)
}

// session returns the login session held for name, reading the keyring
// the first time. nil means not signed in.
func (s *loginSource) session(ctx context.Context, name string) (*awslogin.Session, *api.Error) {
	s.mu.Lock()
	st := s.stateLocked(name)
	sess, loaded := st.sess, st.loaded
	s.mu.Unlock()
	if sess != nil || loaded {
		return sess, nil
	}
	data, err := s.keyringGet(ctx, name)
	if err != nil && !errors.Is(err, keystore.ErrNotFound) {
		var aerr *api.Error
		if errors.As(err, &aerr) {
			return nil, aerr
		}
		return nil, errorf(api.CodeKeyring, "check the keyring ('spin doctor'), then retry", "source %s: %v", name, err)
	}
	var stored *awslogin.Session
	if err == nil {
		if stored, err = awslogin.Unmarshal(data); err != nil {
			s.b.log.Warn("stored login session unreadable", "source", name, "err", err)
			stored = nil
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st = s.stateLocked(name)
	if !st.loaded && st.sess == nil {
		st.sess, st.loaded = stored, true
	}
	return st.sess, nil
}

// loginItems returns the keyring's source items, opening the keyring. A
// login session needs them: unlike sso's sourceStore it refuses a keyring
// without them rather than keep the session in memory silently.
func (b *Broker) loginItems() (sourceItems, *api.Error) {
	conf, aerr := b.config()
	if aerr != nil {
		return nil, aerr
	}
	b.keysMu.Lock()
	defer b.keysMu.Unlock()
	k, aerr := b.storeLocked(conf)
	if aerr != nil {
		return nil, aerr
	}
	ss, ok := k.(sourceItems)
	if !ok {
		return nil, errorf(api.CodeKeyring, "", "the keyring cannot hold sign-in tokens")
	}
	return ss, nil
}

func (s *loginSource) keyringGet(ctx context.Context, name string) (secret.String, error) {
	ss, aerr := s.b.loginItems()
	if aerr != nil {
		return secret.String{}, aerr
	}
	return ss.GetSource(ctx, name)
}

// persist writes the session to the keyring; a failure leaves it in memory
// only, which lasts until spind stops.
func (s *loginSource) persist(name string, sess *awslogin.Session) {
	data, err := sess.Marshal()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ss, aerr := s.b.loginItems()
		if aerr != nil {
			err = aerr
		} else {
			err = ss.PutSource(ctx, name, data)
		}
	}
	if err != nil {
		s.b.log.Warn("login session kept in memory only: the keyring refused it", "source", name, "err", err)
	}
}

func (s *loginSource) forget(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ss, aerr := s.b.loginItems()
	if aerr != nil {
		s.b.log.Warn("could not remove the stored login session", "source", name, "err", aerr)
		return
	}
	if err := ss.RemoveSource(ctx, name); err != nil {
		s.b.log.Warn("could not remove the stored login session", "source", name, "err", err)
	}
}

// SessionLifetime is how long AWS keeps a console sign-in for the CLI.
const SessionLifetime = 12 * time.Hour

// status fills a login source's entry of GET /v1/status.
func (s *loginSource) status(st *api.SourceStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.states[st.Name]
	if ls == nil {
		return
	}
	st.Refreshes, st.LastError, st.Pending = ls.refresh, ls.lastErr, ls.flow != nil
	switch {
	case ls.sess != nil:
		st.SignedIn = true
		st.Principal, st.Account = ls.sess.ARN, ls.sess.AccountID
		st.Expires = ls.sess.Credentials.Expiration
		if !ls.sess.SignedIn.IsZero() {
			st.RenewBy = ls.sess.SignedIn.Add(SessionLifetime)
		}
	case ls.ended != "":
		st.LastError = ls.ended
	}
}

// forgetAll drops every login session and sign-in in progress from memory
// (spin lock); the keyring still holds them for after the unlock.
func (s *loginSource) forgetAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.states {
		st.sess, st.loaded, st.flow = nil, false, nil
	}
}
