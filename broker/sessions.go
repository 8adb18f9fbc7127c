package broker

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// sessionKey identifies a cached session: the same profile may be held
// under several session names (one per stack, say).
type sessionKey struct{ profile, name string }

type session struct {
	creds      api.Credentials // Expiration is STS's own
	role       string
	source     string
	def        string // the source's Fingerprint: an edited source drops its sessions
	externalID string
	duration   time.Duration
	obtained   time.Time
	lastUsed   time.Time
	// settings the session was made with, for refresh-ahead
	minValidity, margin time.Duration
	stsCalls, hits      int
	lastErr             string
	lastErrAt           time.Time
	timer               *time.Timer
	backoff             time.Duration
	out                 api.Credentials // handedOut, rendered once per STS answer
	// what the session carries into CloudTrail, as the profile said
	// when it was made (sameAttribution)
	sourceIdentity string
	tags           []profiles.Tag
	transitive     []string
}

func (s *session) stopTimer() {
	if s.timer != nil {
		s.timer.Stop()
	}
}

// handedOut is what callers see: the session with the skewed expiry.
func (s *session) handedOut() api.Credentials {
	if s.out.AccessKeyID == "" {
		c := s.creds
		c.Expiration = c.Expiration.Add(-profiles.ExpirySkew(c.Expiration.Sub(s.obtained)))
		s.out = c.Rendered()
	}
	return s.out
}

// usable reports whether s may still be handed out: at least minValidity
// left (the profile's current setting, so a config edit applies at once).
func (s *session) usable(now time.Time, minValidity time.Duration) bool {
	return s.handedOut().Expiration.Sub(now) >= minValidity
}

// matches reports whether s was made with req's current settings.
func (s *session) matches(req *Request) bool {
	p := req.Profile
	return s.role == p.RoleARN && s.source == p.Source && s.def == req.fingerprint() &&
		s.externalID == p.ExternalID && s.duration == p.Duration && s.sameAttribution(p)
}

// sameAttribution reports whether s carries into CloudTrail what p says
// now, so that editing source_identity or session_tags makes the next
// request assume the role afresh instead of serving a session with the
// old ones. Field by field: every cached answer asks, and building a key
// string to compare was an allocation each time.
func (s *session) sameAttribution(p profiles.Resolved) bool {
	return s.sourceIdentity == p.SourceIdentity && slices.Equal(s.tags, p.SessionTags) &&
		slices.Equal(s.transitive, p.TransitiveTagKeys)
}

// valid reports whether s has not expired at all; served as a last resort
// while STS fails.
func (s *session) valid(now time.Time) bool {
	return now.Before(s.handedOut().Expiration)
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// answer is what credentials did besides handing out: the session name it
// used and whether it called AWS, for the audit of callers.
type answer struct {
	sessionName string
	sts         bool
}

// credentials answers GET /v1/credentials/{profile} for who, from conf:
// config.yaml as the request read it.
func (b *Broker) credentials(ctx context.Context, conf *profiles.Config, profile, sessionName string, canPrompt, temporary bool, who asker) (api.Credentials, answer, *api.Error) {
	var ans answer
	p, err := b.conf.resolve(conf, profile)
	if err != nil {
		return api.Credentials{}, ans, errorf(api.CodeUnknownProfile,
			fmt.Sprintf("add it under profiles: in %s, then run 'spin profiles write'", conf.Path), "%v", err)
	}
	if sessionName == "" {
		sessionName = p.RoleSessionName
	} else if !sessionNameRE.MatchString(sessionName) {
		return api.Credentials{}, ans, errorf(api.CodeBadRequest, "use 2-64 characters of [A-Za-z0-9+=,.@_-]",
			"profile %s: invalid session name %q", profile, sessionName)
	}
	ans.sessionName = sessionName
	if aerr := checkCaller(conf, p, who); aerr != nil {
		return api.Credentials{}, ans, aerr
	}
	src, def, aerr := b.sourceFor(conf, p)
	if aerr != nil {
		return api.Credentials{}, ans, aerr
	}
	req := Request{Conf: conf, Profile: p, Def: def, SessionName: sessionName, CanPrompt: canPrompt, Temporary: temporary}
	if c, ok, aerr := src.Direct(ctx, req); ok || aerr != nil {
		return c, ans, aerr
	}
	c, sts, aerr := b.session(ctx, sessionKey{profile, sessionName}, src, req)
	ans.sts = sts
	return c, ans, aerr
}

// session returns a cached session with at least min_validity left, or makes
// one. However many callers wait, one call to AWS is made (singleflight);
// sts says whether this request waited on such a call.
func (b *Broker) session(ctx context.Context, key sessionKey, src Source, req Request) (api.Credentials, bool, *api.Error) {
	if c, ok := b.cached(key, &req); ok {
		return c, false, nil
	}
	return b.newSession(ctx, key, src, req)
}

// newSession is session's cache miss. A function of its own: its flight's
// closure moves key and req to the heap on entry, which the cache hit
// (nearly every request) need not pay for.
func (b *Broker) newSession(ctx context.Context, key sessionKey, src Source, req Request) (api.Credentials, bool, *api.Error) {
	p := req.Profile
	obtain, aerr := b.prepare(ctx, src, req)
	if aerr != nil {
		return api.Credentials{}, false, aerr
	}
	// Preparing may have waited (for an MFA code, a sign-in) while another
	// request made the session.
	if c, ok := b.cached(key, &req); ok {
		return c, false, nil
	}

	ch := b.flight.DoChan(key.profile+"\x00"+key.name, func() (any, error) {
		// A flight that just ended may have made the session already.
		if b.fresh(key, &req) {
			return false, nil
		}
		_, err := b.obtain(key, req, obtain)
		return err == nil, err
	})
	select {
	case <-ctx.Done():
		return api.Credentials{}, false, errorf(api.CodeInternal, "", "profile %s: %v", key.profile, ctx.Err())
	case res := <-ch:
		called, _ := res.Val.(bool)
		b.sessMu.Lock()
		defer b.sessMu.Unlock()
		s := b.sessions[key]
		if res.Err != nil {
			if s != nil && s.matches(&req) && s.valid(b.now()) {
				b.log.Warn("AWS failed; serving the cached session", "profile", key.profile, "err", stsMessage(res.Err))
				s.lastUsed = b.now()
				return s.handedOut(), true, nil
			}
			return api.Credentials{}, true, src.Explain(req, res.Err)
		}
		if s == nil {
			return api.Credentials{}, called, errorf(api.CodeInternal, "", "profile %s: session vanished", p.Name)
		}
		s.lastUsed = b.now()
		return s.handedOut(), called, nil
	}
}

// fittingLocked is key's session if it still fits p at now; callers hold
// sessMu.
func (b *Broker) fittingLocked(key sessionKey, req *Request, now time.Time) *session {
	if s := b.sessions[key]; s != nil && s.matches(req) && s.usable(now, req.Profile.MinValidity) {
		return s
	}
	return nil
}

// fresh reports whether key's session still fits p, without counting a hit.
func (b *Broker) fresh(key sessionKey, req *Request) bool {
	b.sessMu.Lock()
	defer b.sessMu.Unlock()
	return b.fittingLocked(key, req, b.now()) != nil
}

// cached hands out key's session if it still fits p.
func (b *Broker) cached(key sessionKey, req *Request) (api.Credentials, bool) {
	now := b.now()
	b.sessMu.Lock()
	defer b.sessMu.Unlock()
	s := b.fittingLocked(key, req, now)
	if s == nil {
		return api.Credentials{}, false
	}
	s.hits++
	s.lastUsed = now
	return s.handedOut(), true
}

// obtain makes a session through the source and stores it. It runs
// detached from any one caller's context, so a caller giving up does not
// fail the others.
func (b *Broker) obtain(key sessionKey, req Request, obtain Obtain) (any, error) {
	p := req.Profile
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := b.now()
	creds, err := obtain(ctx)
	b.sessMu.Lock()
	defer b.sessMu.Unlock()
	s := b.sessions[key]
	if err != nil {
		b.log.Warn("session failed", "profile", key.profile, "source", p.Source, "role", p.RoleARN, "err", stsMessage(err))
		if s != nil {
			s.lastErr, s.lastErrAt = stsMessage(err), b.now()
		}
		return nil, err
	}
	if s == nil {
		s = &session{}
		b.sessions[key] = s
	}
	s.stopTimer()
	s.creds, s.role, s.source, s.def, s.externalID, s.duration = creds, p.RoleARN, p.Source, req.fingerprint(), p.ExternalID, p.Duration
	s.sourceIdentity, s.tags, s.transitive = p.SourceIdentity, slices.Clone(p.SessionTags), slices.Clone(p.TransitiveTagKeys)
	s.out = api.Credentials{}
	s.obtained = start
	s.minValidity, s.margin = p.MinValidity, profiles.RefreshMargin(creds.Expiration.Sub(start))
	s.stsCalls++
	s.lastErr, s.lastErrAt = "", time.Time{}
	s.backoff = 0
	b.log.Info("session obtained", "profile", key.profile, "session_name", key.name, "source", p.Source, "role", p.RoleARN,
		"access_key_id", secret.MaskKeyID(creds.AccessKeyID), "expires", creds.Expiration)
	b.scheduleRefreshLocked(key, s)
	return nil, nil
}

// scheduleRefreshLocked arms the refresh-ahead timer: a margin before the
// session would drop under min_validity, so callers never wait on STS.
func (b *Broker) scheduleRefreshLocked(key sessionKey, s *session) {
	if b.closed {
		return
	}
	at := s.handedOut().Expiration.Add(-s.minValidity - s.margin)
	delay := max(at.Sub(b.now()), 0)
	obtained := s.obtained
	s.timer = time.AfterFunc(delay, func() { b.refresh(key, obtained) })
}

// refresh renews a session that was used during its life; an idle one is
// left to expire. It re-reads the profile so config edits apply. On failure
// it retries with jittered backoff while the old session is still valid
// (and keeps serving it meanwhile).
func (b *Broker) refresh(key sessionKey, obtained time.Time) {
	b.sessMu.Lock()
	s := b.sessions[key]
	stale := b.closed || s == nil || !s.obtained.Equal(obtained)
	idle := s != nil && s.lastUsed.Before(s.obtained)
	b.sessMu.Unlock()
	if stale || idle {
		return
	}
	err := b.refreshOnce(key)
	var aerr *api.Error
	if err == nil || errors.As(err, &aerr) && aerr.Code == api.CodeLocked {
		// Locked: the session is served until it expires, then callers
		// are told to unlock. Retrying would only fill the log.
		return
	}
	b.sessMu.Lock()
	defer b.sessMu.Unlock()
	if b.closed || b.sessions[key] != s || !s.valid(b.now()) {
		return
	}
	s.backoff = min(max(2*s.backoff, time.Second), 30*time.Second)
	delay := s.backoff/2 + rand.N(s.backoff/2+1)
	s.timer = time.AfterFunc(delay, func() { b.refresh(key, obtained) })
}

func (b *Broker) refreshOnce(key sessionKey) error {
	conf, aerr := b.config()
	if aerr != nil {
		return aerr
	}
	p, err := conf.Resolve(key.profile)
	if err != nil || p.Bootstrap() {
		b.dropSession(key)
		return nil
	}
	src, def, aerr := b.sourceFor(conf, p)
	if aerr != nil {
		return aerr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Never prompts: a background refresh has nobody to ask.
	req := Request{Conf: conf, Profile: p, Def: def, SessionName: key.name}
	obtain, aerr := src.Prepare(ctx, req)
	if aerr != nil {
		return aerr
	}
	_, err, _ = b.flight.Do(key.profile+"\x00"+key.name, func() (any, error) { return b.obtain(key, req, obtain) })
	return err
}

func (b *Broker) dropSession(key sessionKey) {
	b.sessMu.Lock()
	defer b.sessMu.Unlock()
	if s := b.sessions[key]; s != nil {
		s.stopTimer()
		delete(b.sessions, key)
	}
}

// dropSessionsOf forgets sessions made with a key set that changed,
// including its MFA session: a replaced key may be another identity's.
func (b *Broker) dropSessionsOf(source string) {
	b.mfaMu.Lock()
	if st := b.mfa[source]; st != nil {
		b.endRoundLocked(st, "the key set changed")
		delete(b.mfa, source)
	}
	b.mfaMu.Unlock()
	b.sessMu.Lock()
	defer b.sessMu.Unlock()
	for k, s := range b.sessions {
		if s.source == source {
			s.stopTimer()
			delete(b.sessions, k)
		}
	}
}

// prepare is src.Prepare, except that a source needing a sign-in joins
// the sign-in round of its source (signin_round.go): one caller signs in,
// the others wait and then ask the source again.
func (b *Broker) prepare(ctx context.Context, src Source, req Request) (Obtain, *api.Error) {
	for {
		obtain, aerr := src.Prepare(ctx, req)
		if aerr == nil || aerr.Code != api.CodeSigninRequired || !interactiveSignin(aerr.SourceKind) {
			return obtain, aerr
		}
		retry, aerr := b.signins.await(ctx, b.now(), aerr)
		if !retry {
			return nil, aerr
		}
	}
}

// interactiveSignin: sso and login sources sign in through the user;
// web_identity's "sign-in" is the CLI handing over a CI token.
func interactiveSignin(kind string) bool {
	return kind == string(profiles.KindSSO) || kind == string(profiles.KindLogin)
}
