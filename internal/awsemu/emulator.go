// Package awsemu is an AWS emulator for tests, the demo and benchmarks. It
// serves the STS Query API (AssumeRole, GetSessionToken with TOTP MFA,
// GetCallerIdentity, and the unsigned AssumeRoleWithWebIdentity, which
// verifies RS256 ID tokens against registered OIDC providers and roles'
// trust on sub and aud), the S3 subset the OpenTofu s3 backend uses and AWS
// Sign-In (console credentials for `aws login`, see signin.go), IAM's
// access-key actions (iam.go), the console federation endpoint and
// GetFederationToken (federation.go), and
// checks every request the way AWS does: SigV4 signatures against known
// long-term keys and the temporary keys it issued itself, session tokens,
// expiry and clock skew. Faults can be injected (throttling, latency,
// disabled keys) and calls are counted.
//
// Issuer is an OIDC identity provider to go with it (discovery, JWKS and a
// GitHub Actions-like token endpoint), for CI flows.
//
// It departs from AWS on purpose in one way: DurationSeconds may be as short
// as one second, so expiry can be tested without waiting.
//
// It also emulates IAM Identity Center (sso.go): SSO OIDC (client
// registration, device and authorization-code+PKCE sign-in, refresh) and
// the access portal (role credentials, assignments, logout), whose role
// credentials its STS accepts.
//
// Signed requests are routed by the service named in the SigV4 credential
// scope: "sts", "iam" or "s3"; the unsigned Identity Center and Sign-In APIs by
// path. S3 requests must use path-style addressing
// (http://host/bucket/key); objects live in memory (gofakes3's s3mem) and
// every key may use every bucket: there are no policies. Unsigned requests
// to Sign-In's paths (/v1/token, /v1/authorize, /v1/sessions/confirmation)
// are Sign-In's.
package awsemu

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Options configures an Emulator.
type Options struct {
	Keys   []Key
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default: discard
}

// Emulator is an http.Handler serving the emulated AWS APIs. Its methods are
// safe for concurrent use.
type Emulator struct {
	now      func() time.Time
	log      *slog.Logger
	services map[string]*service
	objects  *s3mem.Backend // the S3 object store
	s3       http.Handler   // gofakes3 over objects
	// public serves the unsigned endpoints (AWS Sign-In's token and browser
	// pages) by path; a request carrying a SigV4 signature never goes there.
	public *http.ServeMux
	sso    *ssoState // IAM Identity Center (sso.go)

	mu              sync.Mutex
	keys            map[string]Key
	sessions        map[string]*session
	issued          int
	throttle        int
	latency         time.Duration
	calls           map[string]int
	rejections      map[string]int
	assumeRoleCalls []AssumeRoleCall
	signin          *signinState

	keyMeta     map[string]keyMeta // by access key id (iam.go)
	iamKeyDelay time.Duration      // see SetIAMKeyDelay
	federation  *federationState   // see federation.go

	oidc             map[string]*oidcState // by provider URL
	trusts           []WebIdentityTrust
	webIdentityCalls []WebIdentityCall
}

// AssumeRoleCall records one successful AssumeRole.
type AssumeRoleCall struct {
	RoleARN           string
	RoleSessionName   string
	DurationSeconds   int
	ExternalID        string
	SourceAccessKeyID string // the access key that signed the call
	At                time.Time
	// SourceIdentity and Tags are the session's, inherited ones included
	// (a chained call keeps its caller's source identity and transitive
	// tags); TransitiveTagKeys likewise.
	SourceIdentity    string
	Tags              map[string]string
	TransitiveTagKeys []string
}

// New returns an emulator that knows opts.Keys.
func New(opts Options) *Emulator {
	e := &Emulator{
		now:        opts.Now,
		log:        opts.Logger,
		keys:       make(map[string]Key),
		keyMeta:    make(map[string]keyMeta),
		sessions:   make(map[string]*session),
		calls:      make(map[string]int),
		rejections: make(map[string]int),
		sso:        newSSOState(),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	for _, k := range opts.Keys {
		e.AddKey(k)
	}
	e.initS3()
	e.public = http.NewServeMux()
	e.initSignin(e.public)
	e.initSSO(e.public)
	e.initFederation(e.public)
	e.services = map[string]*service{"sts": e.stsService(), "s3": e.s3Service(), "iam": e.iamService()}
	return e
}

// AddKey adds or replaces a long-term key, usable at once (also a key
// CreateAccessKey made under SetIAMKeyDelay). An empty Account becomes
// DefaultAccount.
func (e *Emulator) AddKey(k Key) {
	if k.Account == "" {
		k.Account = DefaultAccount
	}
	if k.CreateDate.IsZero() {
		k.CreateDate = e.now().UTC().Truncate(time.Second)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.putKeyLocked(k, time.Time{})
}

// SetKeyDisabled disables or re-enables a long-term key or an issued
// temporary key; requests signed with a disabled key get
// InvalidClientTokenId. Unknown ids are ignored. As in AWS, disabling a
// long-term key leaves the sessions already issued from it valid.
func (e *Emulator) SetKeyDisabled(id string, disabled bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if k, ok := e.keys[id]; ok {
		k.Disabled = disabled
		e.keys[id] = k
	}
	if s, ok := e.sessions[id]; ok {
		s.disabled = disabled
	}
}

// Throttle makes the next n authenticated STS calls fail with Throttling.
func (e *Emulator) Throttle(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttle = n
}

// SetLatency delays every response by d.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// Calls returns how many calls of action succeeded: STS actions by name
// ("AssumeRole", "GetSessionToken", "GetCallerIdentity"), S3 operations by
// their API name with an "s3:" prefix ("s3:PutObject", "s3:GetObject",
// "s3:DeleteObject", "s3:ListObjectsV2", "s3:HeadObject", ...; see
// s3Action), Sign-In's with a "signin:" prefix ("signin:authorize" for
// codes issued, "signin:authorization_code" and "signin:refresh_token" for
// CreateOAuth2Token by grant). A conditional PutObject refused with
// PreconditionFailed is a rejection, not a call.
func (e *Emulator) Calls(action string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[action]
}

// Rejections returns how many error responses carried code, e.g.
// "SignatureDoesNotMatch" or "Throttling"; Sign-In's as "signin:" and its
// OAuth2ErrorCode ("signin:TOKEN_EXPIRED"), refused DPoP proofs also as
// "signin:dpop".
func (e *Emulator) Rejections(code string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rejections[code]
}

// AssumeRoleCalls returns the successful AssumeRole calls in order.
func (e *Emulator) AssumeRoleCalls() []AssumeRoleCall {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]AssumeRoleCall(nil), e.assumeRoleCalls...)
}

// ResetCounters clears Calls, Rejections, AssumeRoleCalls and
// WebIdentityCalls.
func (e *Emulator) ResetCounters() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.calls)
	clear(e.rejections)
	e.assumeRoleCalls = nil
	e.webIdentityCalls = nil
}

// ServeHTTP authenticates the request and hands it to the service its
// credential scope names.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	e.mu.Lock()
	latency := e.latency
	e.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}

	if !sigV4Signed(r) {
		if h, pattern := e.public.Handler(r); pattern != "" {
			h.ServeHTTP(w, r)
			return
		}
		// AssumeRoleWithWebIdentity is unsigned: the token is the credential.
		if unsignedAction(r) != "" {
			e.serveUnsigned(w, r, reqID, start)
			return
		}
	}

	sig, aerr := parseSigV4(r)
	svc := e.errorService(r, sig)
	if aerr == nil && e.services[sig.service] == nil {
		aerr = errSignature("Credential should be scoped to correct service: 'sts'.")
	}
	var c *caller
	if aerr == nil {
		c, aerr = e.authenticate(r, sig, svc)
	}
	if aerr != nil && svc.mapError != nil {
		aerr = svc.mapError(aerr)
	}
	action := ""
	if aerr == nil {
		action, aerr = svc.serve(w, r, c, reqID)
	}

	attrs := []any{"method", r.Method, "request_id", reqID, "action", action}
	if sig != nil { // never the signature, token or body: key id and scope only
		attrs = append(attrs, "service", sig.service, "access_key_id", sig.keyID)
	}
	if aerr != nil {
		e.reject(w, svc, reqID, aerr)
		e.log.Info("request rejected", append(attrs, "status", aerr.status, "code", aerr.code,
			"elapsed", time.Since(start))...)
		return
	}
	e.mu.Lock()
	e.calls[action]++
	e.mu.Unlock()
	e.log.Info("request", append(attrs, "status", http.StatusOK, "elapsed", time.Since(start))...)
}

// sigV4Signed reports whether a request carries a SigV4 signature, in the
// Authorization header or presigned in the query.
func sigV4Signed(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Has("X-Amz-Signature")
}

// errorService is the service whose format a request's errors take: the
// one its credential scope names, else S3 for any path but "/" (STS is
// only ever called on "/"), else STS.
func (e *Emulator) errorService(r *http.Request, sig *sigRequest) *service {
	if sig != nil {
		if svc := e.services[sig.service]; svc != nil {
			return svc
		}
	}
	if r.URL.Path != "/" {
		return e.services["s3"]
	}
	return e.services["sts"]
}

func (e *Emulator) reject(w http.ResponseWriter, svc *service, reqID string, err *apiError) {
	e.mu.Lock()
	e.rejections[err.code]++
	e.mu.Unlock()
	svc.writeError(w, reqID, err)
}

// takeThrottle consumes one injected throttling fault, if any is left.
func (e *Emulator) takeThrottle() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.throttle > 0 {
		e.throttle--
		return true
	}
	return false
}
