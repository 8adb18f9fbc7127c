package broker

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/keystore"
	"github.com/cloudspin/spin/profiles"
)

// Handler returns the protocol's HTTP handler (DESIGN.md, socket protocol).
func (b *Broker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/credentials/{profile}", b.handleCredentials)
	mux.HandleFunc("GET /v1/keys", b.handleListKeys)
	mux.HandleFunc("GET /v1/keys/{name}", b.handleGetKey)
	mux.HandleFunc("PUT /v1/keys/{name}", b.handlePutKey)
	mux.HandleFunc("DELETE /v1/keys/{name}", b.handleRemoveKey)
	mux.HandleFunc("PUT /v1/keys/{name}/export", b.handleKeyExport)
	mux.HandleFunc("POST /v1/keys/{name}/rotate", b.handleRotateKey)
	mux.HandleFunc("POST /v1/keys/{name}/verify", b.handleVerifyKey)
	mux.HandleFunc("POST /v1/console/{profile}", b.handleConsole)
	mux.HandleFunc("POST /v1/unlock", b.handleUnlock)
	mux.HandleFunc("POST /v1/lock", b.handleLock)
	mux.HandleFunc("GET /v1/status", b.handleStatus)
	mux.HandleFunc("POST /v1/reload", b.handleReload)
	mux.HandleFunc("POST /v1/shutdown", b.handleShutdown)
	mux.HandleFunc("POST /v1/mfa/{profile}", b.handleMFA)
	mux.HandleFunc("PUT /v1/sources/{source}/github-request", b.handleGitHubRequest)
	mux.HandleFunc("DELETE /v1/sessions", b.handleClearSessions)
	mux.HandleFunc("DELETE /v1/sessions/{profile}", b.handleClearSessions)
	mux.HandleFunc("POST /v1/signin/{source}", b.handleSigninStart)
	mux.HandleFunc("POST /v1/signin/{source}/wait", b.handleSigninWait)
	mux.HandleFunc("POST /v1/signin/{source}/complete", b.handleSigninComplete)
	mux.HandleFunc("POST /v1/signin/{source}/cancel", b.handleSigninCancel)
	mux.HandleFunc("DELETE /v1/signin/{source}", b.handleSignout)
	mux.HandleFunc("POST /v1/signin/{source}/import", b.handleSigninImport)
	mux.HandleFunc("GET /v1/signin/{source}/accounts", b.handleSSOAccounts)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(api.CodeNotFound, "", "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.requests.Add(1)
		r.Body = http.MaxBytesReader(w, r.Body, api.MaxRequestBody)
		// Without --debug the request line is dropped: the clock, the
		// status recorder and slog's arguments would cost allocations
		// on every request for nothing.
		if !b.log.Enabled(r.Context(), slog.LevelDebug) {
			mux.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(rec, r)
		// Paths carry profile and key set names only, never secrets.
		b.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "took", time.Since(start))
	})
}

// processingAfter is how long spind works on a request before it tells the
// client so with a 102 Processing: clients give a silent spind a few
// seconds (a stopped or hung one never answers), and an answer that waits
// on STS, an MFA code or the keyring may take longer.
const processingAfter = time.Second

// processingWriter sends 102 Processing from a timer until the handler
// starts its answer; mu orders the two writers. Writers are pooled, timer
// and all: making them was three allocations and a new runtime timer per
// request. One goes back to the pool only when its timer was stopped
// before firing, so that no 102 from one request can reach another.
type processingWriter struct {
	http.ResponseWriter
	mu       sync.Mutex
	answered bool // written by the handler's goroutine only, under mu
	reusable bool // the timer was stopped before it fired
	timer    *time.Timer
}

var processingWriters = sync.Pool{New: func() any {
	p := &processingWriter{}
	p.timer = time.AfterFunc(time.Hour, p.processing)
	p.timer.Stop()
	return p
}}

// withProcessing makes h send 102 Processing on requests that take long.
// Only the socket server uses it: httptest's recorder takes a 1xx for the
// final status.
func withProcessing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := processing(w)
		defer pw.release()
		h.ServeHTTP(pw, r)
	})
}

func processing(w http.ResponseWriter) *processingWriter {
	p := processingWriters.Get().(*processingWriter)
	p.mu.Lock()
	p.ResponseWriter, p.answered, p.reusable = w, false, false
	p.mu.Unlock()
	p.timer.Reset(processingAfter)
	return p
}

// processing is the timer's: the handler has not started its answer yet.
func (p *processingWriter) processing() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.answered {
		p.ResponseWriter.WriteHeader(http.StatusProcessing)
	}
}

// answer stops the 102s; the header map is the handler's from here on.
func (p *processingWriter) answer() {
	if !p.answered {
		stopped := p.timer.Stop()
		p.mu.Lock()
		p.answered, p.reusable = true, stopped
		p.mu.Unlock()
	}
}

// release ends p's request (the handler has returned, and with it its
// use of p) and pools p if its timer can no longer fire.
func (p *processingWriter) release() {
	p.answer()
	if !p.reusable {
		return
	}
	p.mu.Lock()
	p.ResponseWriter = nil
	p.mu.Unlock()
	processingWriters.Put(p)
}

func (p *processingWriter) Header() http.Header {
	p.answer()
	return p.ResponseWriter.Header()
}

func (p *processingWriter) WriteHeader(code int) {
	p.answer()
	p.ResponseWriter.WriteHeader(code)
}

func (p *processingWriter) Write(b []byte) (int, error) {
	p.answer()
	return p.ResponseWriter.Write(b)
}

func (p *processingWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Header values of every credentials answer, shared rather than made per
// request by Header().Set (canonical keys, values never modified).
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

func (b *Broker) handleCredentials(w http.ResponseWriter, r *http.Request) {
	// The request's one look at config.yaml: an edit finished before it
	// arrived applies, to the idle lock and to the answer alike.
	conf, aerr := b.config()
	if aerr == nil {
		b.lockIfIdleAt(conf)
	}
	b.touch()
	var q url.Values // nil reads as empty; most requests have no query to parse
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	ctx := r.Context()
	if q.Get("signin") == api.QuerySigninPrompt {
		ctx = withSigninPrompt(ctx)
	}
	profile := r.PathValue("profile")
	who := b.whoAsked(ctx)
	var creds api.Credentials
	var ans answer
	otherConfig := false
	if want := q.Get(api.QueryConfig); want != "" && aerr == nil {
		aerr = b.checkConfigPath(profile, want)
		otherConfig = aerr != nil
	}
	if aerr == nil {
		creds, ans, aerr = b.credentials(ctx, conf, profile, q.Get("session_name"), q.Get("mfa") == api.QueryMFAPrompt, q.Get(api.QueryTemporary) == "1", who)
	}
	if aerr != nil {
		if aerr.Code != api.CodeMFARequired {
			b.log.Info("credentials refused", "profile", profile, "code", aerr.Code, "message", aerr.Message)
		}
		writeError(w, aerr)
	} else {
		h := w.Header()
		h["Content-Type"], h["Cache-Control"] = jsonContentType, noStore
		_ = creds.WriteProcessJSON(w)
	}
	b.record(who, profile, ans.sessionName, ans.sts, aerr)
	if !otherConfig { // another config's profile is not a failure of this one's
		b.failures.note(sessionKey{profile, ans.sessionName}, q.Get("session_name"), aerr, b.now())
	}
}

// checkConfigPath refuses a request whose credential_process line names
// another spin config (want, its --config) than the one spind serves: the
// profile would be looked up in the wrong file, and refused as unknown
// with a fix that points there.
func (b *Broker) checkConfigPath(profile, want string) *api.Error {
	have := b.cfg.ConfigPath
	if want == have {
		return nil
	}
	if a, err := os.Stat(want); err == nil {
		if b, err := os.Stat(have); err == nil && os.SameFile(a, b) {
			return nil
		}
	}
	return errorf(api.CodeConflict,
		"run 'spin daemon stop' and ask again, and spind starts with "+want+" (the profiles of "+have+" then get this answer), or keep every profile in one config.yaml",
		"profile %s's credential_process line names spin config %s, but spind (pid %d) serves %s", profile, want, os.Getpid(), have)
}

func (b *Broker) handleStatus(w http.ResponseWriter, r *http.Request) {
	b.lockIfIdle() // so status never shows unlocked what the timer is about to lock
	conf, confErr := b.conf.get(false)
	st := api.Status{
		PID:        os.Getpid(),
		Version:    b.cfg.Version,
		StartedAt:  b.started,
		ConfigPath: b.cfg.ConfigPath,
		Goroutines: runtime.NumGoroutine(),
		RSSBytes:   rss(),
		Requests:   b.requests.Load(),
		Sessions:   []api.SessionStatus{},
		BuildNote:  keystore.BuildNote(),
	}
	if confErr != nil {
		st.ConfigError, st.ConfigHint = confErr.Error(), configFix
	}
	netStatus(&st, b.Net())
	st.KeyWarnings = b.keyWarnings(conf)
	st.Callers = b.recentCallers()
	b.keysMu.Lock()
	st.Backend = b.backend
	if st.Backend == "" {
		st.Backend = b.backendName(conf)
	}
	st.Locked = b.lockedLocked(conf)
	if r.URL.Query().Get("keyring") == "check" && !st.Locked && confErr == nil && needsKeyring(conf) {
		// Open the keyring now (auto resolved), so a start or a prompt
		// learns of a keyring that cannot work before the user types.
		if _, aerr := b.storeLocked(conf); aerr != nil {
			st.KeyringError, st.KeyringHint = aerr.Message, aerr.Hint
		} else {
			st.Backend = b.backend
		}
	}
	if st.Locked && b.backendName(conf) == "file" {
		if fs, err := b.cfg.FileKeys.State(fileDir(conf)); err == nil && fs == keystore.FileNew {
			st.KeyringNew = true
		}
	}
	if conf != nil && conf.Keyring.LockAfter > 0 {
		st.LockAfter = conf.Keyring.LockAfter.String()
	}
	b.keysMu.Unlock()

	b.sessMu.Lock()
	for k, s := range b.sessions {
		st.Sessions = append(st.Sessions, api.SessionStatus{
			Profile: k.profile, SessionName: k.name, RoleARN: s.role,
			Expiration: s.handedOut().Expiration, STSCalls: s.stsCalls, CacheHits: s.hits, LastError: s.lastErr,
			LastErrorAt: s.lastErrAt,
		})
	}
	held := func(k sessionKey) bool { return b.sessions[k] != nil }
	st.Failures = b.failures.list(conf, held)
	b.sessMu.Unlock()
	sort.Slice(st.Sessions, func(i, j int) bool {
		a, c := st.Sessions[i], st.Sessions[j]
		return a.Profile < c.Profile || a.Profile == c.Profile && a.SessionName < c.SessionName
	})
	st.Sources = b.sourceStatuses(conf)
	st.KeySets = b.keySetStatuses(conf)
	writeJSON(w, http.StatusOK, st)
}

// handleReload re-reads config.yaml now (DESIGN's POST /v1/reload); spind
// also re-reads it on the next request after it changes.
func (b *Broker) handleReload(w http.ResponseWriter, r *http.Request) {
	if _, err := b.conf.get(true); err != nil {
		writeError(w, errorf(api.CodeConfigInvalid, configFix, "%v", err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (b *Broker) handleShutdown(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNoContent)
	if b.cfg.Shutdown != nil {
		// After the answer is flushed, so the caller sees success.
		go func() {
			time.Sleep(10 * time.Millisecond)
			b.cfg.Shutdown()
		}()
	}
}

// handleClearSessions drops cached role sessions (all, or one profile's),
// e.g. after a role's policy changed. MFA sessions are kept unless asked
// for (?mfa=1): they hold no role's permissions and would cost the user a
// new code.
func (b *Broker) handleClearSessions(w http.ResponseWriter, r *http.Request) {
	profile := r.PathValue("profile")
	// The MFA session to drop is resolved first: a request that fails
	// clears nothing.
	clearMFA := r.URL.Query().Get(api.QueryClearMFA) == "1"
	keySet := ""
	if clearMFA && profile != "" {
		_, p, aerr := b.resolve(profile)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		keySet = p.Source
	}
	b.sessMu.Lock()
	n := 0
	for k, s := range b.sessions {
		if profile == "" || k.profile == profile {
			s.stopTimer()
			delete(b.sessions, k)
			n++
		}
	}
	b.sessMu.Unlock()
	if n == 0 && profile != "" && !clearMFA {
		// Nothing held: a mistyped name gets the unknown-profile error
		// (with the nearest name), not "cleared 0". A profile since
		// removed from config.yaml with sessions still held was cleared.
		if _, _, aerr := b.resolve(profile); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	b.failures.clear(profile)
	out := api.ClearedSessions{Cleared: n}
	if clearMFA {
		out.MFACleared = b.clearMFA(keySet)
	}
	b.log.Info("sessions cleared", "profile", profile, "count", n, "mfa", out.MFACleared)
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *api.Error) {
	writeJSON(w, statusOf(e.Code), e)
}

// decodeJSON reads a small JSON body, refusing unknown fields.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// bodyError turns a body decoding failure into a 4xx.
func bodyError(err error) *api.Error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &api.Error{Code: api.CodeBadRequest, Message: "request body over " + strconv.Itoa(api.MaxRequestBody) + " bytes"}
	}
	return &api.Error{Code: api.CodeBadRequest, Message: "malformed request body: " + err.Error()}
}

// rss reads the resident set size from /proc (Linux); 0 elsewhere.
func rss() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// netStatus reports the endpoints, proxy and CA bundle that are not AWS's
// defaults, proxy password masked.
func netStatus(st *api.Status, n awsnet.Config) {
	if n.IsZero() {
		return
	}
	st.NetFrom = n.From
	for svc, u := range n.Endpoints {
		if u == "" {
			continue
		}
		if st.Endpoints == nil {
			st.Endpoints = map[string]string{}
		}
		st.Endpoints[string(svc)] = u
	}
	if n.Network != (awsnet.Network{}) {
		st.Network = &api.NetworkStatus{HTTPSProxy: awsnet.Redact(n.Network.HTTPSProxy), NoProxy: n.Network.NoProxy, CABundle: n.Network.CABundle}
		if n.Network.HTTPSProxy == "" {
			st.Network.HTTPSProxy = ""
		}
	}
}

// needsKeyring reports whether conf has anything the keyring holds: a
// profile of a key set, sso or login source, or no profile yet (the next
// step is 'spin keys add'). A CI config of web_identity sources alone
// never opens it, so checking it there would only warn for nothing.
func needsKeyring(conf *profiles.Config) bool {
	if conf == nil || len(conf.Profiles) == 0 {
		return true
	}
	for _, p := range conf.Profiles {
		kind := p.Kind
		if d, ok := conf.Sources[p.Source]; ok {
			kind = d.Kind
		}
		if kind != profiles.KindWebIdentity {
			return true
		}
	}
	return false
}
