// Package broker is spind's server: the HTTP protocol on the user-only unix
// socket, the in-memory session cache and the STS calls behind it. It owns
// the long-term keys (through keystore) and hands out only short-lived
// sessions, except for bootstrap profiles (see DESIGN.md).
package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/webidentity"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/awshttp"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/proc"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
	"github.com/cloudspin/spin/profiles"
)

// Keys is the keyring spind keeps key sets in; *keystore.Store satisfies it.
type Keys interface {
	Backend() string
	Put(ctx context.Context, ks keystore.KeySet) error
	Get(ctx context.Context, name string) (keystore.KeySet, error)
	List(ctx context.Context) ([]string, error)
	Remove(ctx context.Context, name string) error
	// Check tells whether the keyring answers and the file backend's
	// passphrase opens what is stored.
	Check(ctx context.Context) error
}

// Config wires a Broker.
type Config struct {
	// ConfigPath is spin's config.yaml; it is re-read when it changes.
	ConfigPath string
	// Backend overrides keyring.backend from config.yaml (spind's flag).
	Backend string
	// OpenKeys opens the keyring; default keystore.Open.
	OpenKeys func(keystore.Config) (Keys, error)
	// FileKeys turns the file keyring's passphrase into the key its
	// backend is given; default keystore.FileKDF{} (Argon2id).
	FileKeys FileKeys
	// STS defaults to SDKSTS routed by the broker's network settings.
	STS STS
	// Net is where AWS calls go when config.yaml does not say: the
	// environment of an explicit start, or nothing (autostart).
	Net     awsnet.Config
	Logger  *slog.Logger
	Now     func() time.Time
	Version string
	// Shutdown is called by POST /v1/shutdown.
	Shutdown func()
	// KeyAPI makes key rotation's IAM calls and the console's STS calls;
	// default SDKKeyAPI routed by the broker's network settings.
	KeyAPI KeyAPI
	// RotateVerify bounds how long a rotation waits for STS to accept a
	// new key; default 90s.
	RotateVerify time.Duration
	// MFAPromptWindow is how long callers wait for a prompting helper's
	// code before the round is given up; default 90s.
	MFAPromptWindow time.Duration
	// Audit, when set, receives a record of every credentials request.
	Audit *audit.Log
	// AWSTimeout bounds each call to AWS (and GitHub's OIDC token
	// endpoint): one that gets no answer in time fails naming the service
	// and endpoint, well before the helper's own deadline. Default
	// awshttp.DefaultAnswerTimeout.
	AWSTimeout time.Duration
}

// Broker serves credentials. Create it with New.
type Broker struct {
	cfg Config

	callersMu sync.Mutex
	callers   map[string]*callerRing // by profile, the last recentCallers
	own       []string               // ownPrograms, read once
	procs     *proc.Cache            // callers' ancestors (whoAsked)
	watches   peerWatches            // keep-alive peers' Watches
	log       *slog.Logger
	now       func() time.Time
	started   time.Time

	conf confCache

	keysMu  sync.Mutex
	keys    Keys
	backend string
	pass    atomic.Pointer[secret.String]
	// userLocked is set by `spin lock` and keyring.lock_after and cleared
	// by unlock; guarded by keysMu.
	userLocked bool
	// lastUse is when a request last needed a key set (UnixNano of now()).
	lastUse atomic.Int64

	// cacheMu guards keyCache alone, so cached reads never wait behind a
	// slow keyring call holding keysMu.
	cacheMu  sync.Mutex
	keyCache map[string]keystore.KeySet
	// missingKeys are key sets a request found absent from the keyring,
	// until one is stored or read under that name (status).
	missingKeys map[string]bool

	mfaMu sync.Mutex
	mfa   map[string]*mfaState // by key set

	signins signinRounds // sign-ins a helper runs for its source

	rotateMu sync.Mutex // one key rotation at a time (rotate.go)

	// keySets serves profiles whose source is a key set; sources serves
	// the kinds of sources: entries this spind knows.
	keySets     Source
	sources     map[profiles.SourceKind]Source
	sso         *ssoSource   // the sso kind's token states, for sign-in and status
	login       *loginSource // the login kind's sessions, for sign-in and status
	webIdentity *webIdentitySource

	sessMu   sync.Mutex
	sessions map[sessionKey]*session
	flight   singleflight.Group
	closed   bool

	requests atomic.Int64
	failures failures // the last failed request of profiles without a session (status.go)

	clients awsnet.Clients
}

// New returns a broker; it opens the keyring lazily, on first use.
func New(cfg Config) *Broker {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OpenKeys == nil {
		cfg.OpenKeys = func(c keystore.Config) (Keys, error) { return keystore.Open(c) }
	}
	if cfg.FileKeys == nil {
		cfg.FileKeys = keystore.FileKDF{}
	}
	if cfg.MFAPromptWindow == 0 {
		cfg.MFAPromptWindow = defaultPromptWindow
	}
	if cfg.AWSTimeout <= 0 {
		cfg.AWSTimeout = awshttp.DefaultAnswerTimeout
	}
	b := &Broker{
		cfg:      cfg,
		log:      cfg.Logger,
		now:      cfg.Now,
		started:  cfg.Now(),
		keyCache: map[string]keystore.KeySet{},
		sessions: map[sessionKey]*session{},
		mfa:      map[string]*mfaState{},
	}
	if b.cfg.STS == nil {
		b.cfg.STS = &SDKSTS{Route: b.Route}
	}
	if b.cfg.KeyAPI == nil {
		b.cfg.KeyAPI = &SDKKeyAPI{Route: b.Route}
	}
	if b.cfg.RotateVerify == 0 {
		b.cfg.RotateVerify = defaultRotateVerify
	}
	b.conf.path = cfg.ConfigPath
	b.own = ownPrograms()
	b.procs = proc.NewCache(0, b.own...)
	b.keySets = keySetSource{b}
	b.sso = &ssoSource{b: b}
	host, _ := os.Hostname()
	b.webIdentity = newWebIdentitySource(b, &webidentity.Fetcher{
		Dir: filepath.Dir(cfg.ConfigPath),
		Env: os.Environ(), // spind's own: an autostart's is allow-listed
	}, host)
	b.login = newLoginSource(b)
	b.sources = map[profiles.SourceKind]Source{profiles.KindSSO: b.sso, profiles.KindWebIdentity: b.webIdentity, profiles.KindLogin: b.login}
	b.touch()
	return b
}

// Serve answers requests on ln until ctx ends.
func (b *Broker) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           withProcessing(b.Handler()),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelDebug),
		ConnContext:       b.connContext,
		ConnState:         b.watches.connState,
	}
	// Callers parked on an MFA prompt would hold Shutdown up: free them.
	srv.RegisterOnShutdown(b.endMFARounds)
	srv.RegisterOnShutdown(b.signins.endAll)
	go b.watchIdle(ctx)
	err := serveUntil(ctx, srv, ln)
	b.watches.closeAll()
	b.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// endMFARounds ends every prompt round in progress, releasing its waiters.
func (b *Broker) endMFARounds() {
	b.mfaMu.Lock()
	defer b.mfaMu.Unlock()
	for _, st := range b.mfa {
		b.endRoundLocked(st, "spind is stopping")
	}
}

// Close stops background refreshes.
func (b *Broker) Close() {
	b.conf.close()
	b.procs.Close()
	b.sessMu.Lock()
	defer b.sessMu.Unlock()
	b.closed = true
	for _, s := range b.sessions {
		s.stopTimer()
	}
}

// confCache re-reads config.yaml when it changes, so edits apply without
// restarting spind. It learns of changes from an inotify watch where it
// can; elsewhere (or on a symlinked file, whose target the watch would not
// see) it stats the file at most once a second.
type confCache struct {
	mu      sync.Mutex
	path    string
	watch   *confWatch  // nil: polling
	checked time.Time   // last stat while polling
	stat    os.FileInfo // as last read; nil if missing
	seen    bool
	conf    *profiles.Config
	err     error
	closed  bool
	// looks counts gets that looked for a change: each is a syscall or
	// two, and a credentials request makes one (tests count them).
	looks int

	resMu  sync.Mutex
	resFor *profiles.Config // the config res was resolved from
	res    map[string]profiles.Resolved
}

// confPollInterval bounds how stale a polled config.yaml may be.
const confPollInterval = time.Second

func (c *confCache) get(force bool) (*profiles.Config, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.looks++
	if !force && c.seen {
		if c.watch != nil {
			changed, live := c.watch.changed()
			if !live {
				c.watch.close()
				c.watch = nil
			}
			if !changed {
				return c.conf, c.err
			}
		} else if time.Since(c.checked) < confPollInterval {
			return c.conf, c.err
		}
	}
	// Watch before reading, so an edit in between is not missed.
	lst, err := os.Lstat(c.path)
	watchable := !c.closed && (err == nil && lst.Mode()&os.ModeSymlink == 0 || errors.Is(err, os.ErrNotExist))
	switch {
	case watchable && c.watch == nil:
		c.watch, _ = watchConfig(c.path)
	case !watchable && c.watch != nil:
		c.watch.close()
		c.watch = nil
	}
	st, _ := os.Stat(c.path)
	c.checked = time.Now()
	if !force && c.watch == nil && c.seen && sameFile(c.stat, st) {
		return c.conf, c.err
	}
	c.conf, c.err = profiles.Load(c.path)
	c.stat, c.seen = st, true
	return c.conf, c.err
}

// resolve is conf.Resolve(name), remembered while conf is the config in
// use: a profile resolves the same until config.yaml changes (a Config is
// never modified once loaded), and resolving renders its templates
// (role_session_name, source_identity, tags) afresh every time. Errors
// are not remembered, so names asked for and unknown take no room.
func (c *confCache) resolve(conf *profiles.Config, name string) (profiles.Resolved, error) {
	c.resMu.Lock()
	p, ok := c.res[name]
	ok = ok && c.resFor == conf
	c.resMu.Unlock()
	if ok {
		return p, nil
	}
	p, err := conf.Resolve(name)
	if err != nil {
		return p, err
	}
	c.resMu.Lock()
	defer c.resMu.Unlock()
	if c.resFor != conf {
		c.resFor, c.res = conf, map[string]profiles.Resolved{}
	}
	c.res[name] = p
	return p, nil
}

// sameFile reports whether a and b are one unchanged file: a file renamed
// over it is another inode, even within the mtime's granularity.
func sameFile(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}

func (c *confCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.watch != nil {
		c.watch.close()
		c.watch = nil
	}
}

// config returns the current config or an api error.
func (b *Broker) config() (*profiles.Config, *api.Error) {
	conf, err := b.conf.get(false)
	if err != nil {
		return nil, &api.Error{Code: api.CodeConfigInvalid, Message: err.Error(), Hint: configFix}
	}
	return conf, nil
}

// configFix is the next step for a config.yaml spind cannot use, in every
// answer that reports one (errors, status).
const configFix = "fix the file; spind re-reads it on the next request"

// statusOf maps an api error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case api.CodeBadRequest:
		return http.StatusBadRequest
	case api.CodeUnknownProfile, api.CodeKeySetMissing, api.CodeNotFound:
		return http.StatusNotFound
	case api.CodeLocked:
		return http.StatusLocked
	case api.CodeMFARequired, api.CodeMFAFailed, api.CodeSigninRequired:
		return http.StatusUnauthorized
	case api.CodeExportRefused, api.CodeForbidden, api.CodeCallerNotAllowed:
		return http.StatusForbidden
	case api.CodeConflict:
		return http.StatusConflict
	case api.CodeSTSFailed, api.CodeAWSUnreachable:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

func errorf(code, hint, format string, args ...any) *api.Error {
	return &api.Error{Code: code, Message: fmt.Sprintf(format, args...), Hint: hint}
}

// Net returns where AWS calls go now: config.yaml's endpoints: and
// network: over the explicit start's environment, setting by setting. A
// config.yaml that does not parse leaves only the start's settings.
func (b *Broker) Net() awsnet.Config {
	conf, err := b.conf.get(false)
	if err != nil || conf == nil {
		return awsnet.Config{}.Over(b.cfg.Net)
	}
	return conf.Net.Over(b.cfg.Net)
}

// Route returns the endpoint override for svc ("" means AWS's) and the
// HTTP client to reach it with. Every AWS client spind builds uses it, so
// the proxy and CA bundle apply to all of them and spind's own environment
// to none.
func (b *Broker) Route(svc awsnet.Service) (string, *http.Client, error) {
	return b.routeAs(svc, string(svc))
}

// routeAs is Route with the name a call that gets no answer is reported
// under (awshttp.NoAnswerError).
func (b *Broker) routeAs(svc awsnet.Service, name string) (string, *http.Client, error) {
	n := b.Net()
	hc, err := b.clients.For(n.Network)
	if err != nil {
		return "", nil, fmt.Errorf("network settings (%s): %w", n.From, err)
	}
	return n.Endpoint(svc), awshttp.WithAnswerTimeout(hc, name, b.cfg.AWSTimeout), nil
}

// resolve reads config.yaml and finds profile in it, or says which of
// the two failed.
func (b *Broker) resolve(profile string) (*profiles.Config, profiles.Resolved, *api.Error) {
	conf, aerr := b.config()
	if aerr != nil {
		return nil, profiles.Resolved{}, aerr
	}
	p, err := conf.Resolve(profile)
	if err != nil {
		return nil, profiles.Resolved{}, errorf(api.CodeUnknownProfile, "'spin profiles list' shows the profiles", "%v", err)
	}
	return conf, p, nil
}
