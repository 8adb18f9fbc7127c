package awsemu

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// IAM Identity Center (SSO) is two unsigned REST-JSON APIs: SSO OIDC
// (oidc.REGION.amazonaws.com: client registration, device authorization,
// tokens, the browser's /authorize step) and the access portal
// (portal.sso.REGION.amazonaws.com: role credentials and assignments,
// authorized by the x-amz-sso_bearer_token header). Neither carries a SigV4
// signature, so the emulator routes them by path, as SDKs call them through
// AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO pointing at it.

// SSOConfig describes the emulated Identity Center instance. Zero durations
// take AWS's defaults.
type SSOConfig struct {
	// StartURL, if set, is the only start URL StartDeviceAuthorization and
	// an issuerUrl at RegisterClient accept.
	StartURL string
	// User is the signed-in user's name: the session name of the role
	// credentials (default "sso-user").
	User     string
	Accounts []SSOAccount

	AccessTokenTTL time.Duration // default 1h
	SessionTTL     time.Duration // how long a sign-in (its refresh tokens) lasts; default 8h
	ClientTTL      time.Duration // client registrations; default 90 days
	RoleTTL        time.Duration // GetRoleCredentials; default 1h
	DeviceCodeTTL  time.Duration // default 10m
	DeviceInterval time.Duration // polling interval handed out; default 1s, as AWS
}

// SSOAccount is an AWS account and the permission sets (role names) the user
// is assigned in it.
type SSOAccount struct {
	ID    string
	Name  string
	Email string
	Roles []string
}

// SSOAccounts makes n accounts with ids 100000000000, 100000000001, ...,
// names acct-000, acct-001, ... and the same roles each: a large
// organisation for pagination tests.
func SSOAccounts(n int, roles ...string) []SSOAccount {
	out := make([]SSOAccount, n)
	for i := range out {
		out[i] = SSOAccount{
			ID:    fmt.Sprintf("%012d", 100000000000+i),
			Name:  fmt.Sprintf("acct-%03d", i),
			Email: fmt.Sprintf("aws+acct-%03d@example.com", i),
			Roles: append([]string(nil), roles...),
		}
	}
	return out
}

func (c SSOConfig) withDefaults() SSOConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.User == "" {
		c.User = "sso-user"
	}
	def(&c.AccessTokenTTL, time.Hour)
	def(&c.SessionTTL, 8*time.Hour)
	def(&c.ClientTTL, 90*24*time.Hour)
	def(&c.RoleTTL, time.Hour)
	def(&c.DeviceCodeTTL, 10*time.Minute)
	def(&c.DeviceInterval, time.Second)
	c.Accounts = append([]SSOAccount(nil), c.Accounts...)
	return c
}

// tokenKey indexes secrets by their hash, so a map lookup never compares a
// presented token byte by byte against a stored one.
type tokenKey [sha256.Size]byte

func keyOf(s string) tokenKey { return sha256.Sum256([]byte(s)) }

// ssoState is the Identity Center instance: registrations, pending
// authorizations and sign-in sessions. It has its own lock.
type ssoState struct {
	mu          sync.Mutex
	cfg         SSOConfig
	autoApprove bool
	throttle    int // portal calls left to refuse with TooManyRequestsException
	slowDown    int // device polls left to refuse with SlowDownException
	clients     map[string]*ssoClient
	devices     map[tokenKey]*ssoDevice // by device code
	userCodes   map[string]*ssoDevice
	authCodes   map[tokenKey]*ssoAuthCode
	access      map[tokenKey]*ssoAccess
	refresh     map[tokenKey]*ssoRefresh
	issued      []string // every token and client secret handed out, for leak checks
}

type ssoClient struct {
	id, secret   string
	name         string
	scopes       []string
	redirectURIs []string
	grantTypes   []string // empty: device code and refresh token, as AWS
	expires      time.Time
}

type ssoDevice struct {
	client   *ssoClient
	userCode string
	expires  time.Time
	lastPoll time.Time
	approved bool
	denied   bool
	used     bool
}

type ssoAuthCode struct {
	client      *ssoClient
	redirectURI string
	challenge   string
	scopes      []string
	expires     time.Time
}

// ssoSignIn is one user sign-in: every access and refresh token it led to
// ends with it (Logout, revocation or SessionTTL).
type ssoSignIn struct {
	ends    time.Time
	revoked bool
	scopes  []string
}

type ssoAccess struct {
	signIn  *ssoSignIn
	expires time.Time
}

type ssoRefresh struct {
	signIn *ssoSignIn
	client *ssoClient
}

func newSSOState() *ssoState {
	s := &ssoState{}
	s.reset(SSOConfig{})
	return s
}

func (s *ssoState) reset(cfg SSOConfig) {
	s.cfg = cfg.withDefaults()
	s.clients = make(map[string]*ssoClient)
	s.devices = make(map[tokenKey]*ssoDevice)
	s.userCodes = make(map[string]*ssoDevice)
	s.authCodes = make(map[tokenKey]*ssoAuthCode)
	s.access = make(map[tokenKey]*ssoAccess)
	s.refresh = make(map[tokenKey]*ssoRefresh)
}

// ConfigureSSO replaces the Identity Center instance: its configuration and
// all registrations, authorizations and sign-ins (throttling and the
// auto-approve switch stay as they are).
func (e *Emulator) ConfigureSSO(cfg SSOConfig) {
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	e.sso.reset(cfg)
}

// SetSSOAutoApprove makes the browser steps approve at once, as a user who
// is already signed in to the portal would: /authorize redirects straight
// back with a code, and opening a device verification URL with its user
// code approves it. Off (the default), both pages ask for a decision that
// is POSTed back (decision=approve or deny).
func (e *Emulator) SetSSOAutoApprove(on bool) {
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	e.sso.autoApprove = on
}

// ApproveDevice approves a pending device authorization by its user code,
// as the user does on the verification page.
func (e *Emulator) ApproveDevice(userCode string) error {
	return e.decideDevice(userCode, true)
}

// DenyDevice refuses a pending device authorization; the client's next
// poll gets AccessDeniedException.
func (e *Emulator) DenyDevice(userCode string) error {
	return e.decideDevice(userCode, false)
}

func (e *Emulator) decideDevice(userCode string, approve bool) error {
	now := e.now()
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	d := e.sso.userCodes[userCode]
	switch {
	case d == nil || d.used:
		return fmt.Errorf("awsemu: no pending device authorization with user code %q", userCode)
	case !now.Before(d.expires):
		return fmt.Errorf("awsemu: device authorization %q has expired", userCode)
	}
	d.approved, d.denied = approve, !approve
	return nil
}

// PendingUserCodes lists the user codes of device authorizations nobody
// has approved or denied yet that have not expired.
func (e *Emulator) PendingUserCodes() []string {
	now := e.now()
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	var out []string
	for code, d := range e.sso.userCodes {
		if !d.approved && !d.denied && !d.used && now.Before(d.expires) {
			out = append(out, code)
		}
	}
	return out
}

// IssuedSSOSecrets returns every access token, refresh token and client
// secret the emulator has handed out, so tests can look for them in files.
func (e *Emulator) IssuedSSOSecrets() []string {
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	return append([]string(nil), e.sso.issued...)
}

// ThrottleSSO makes the next n access-portal calls fail with
// TooManyRequestsException (HTTP 429).
func (e *Emulator) ThrottleSSO(n int) {
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	e.sso.throttle = n
}

// SlowDownSSO makes the next n device-code polls fail with
// SlowDownException even when they honour the interval.
func (e *Emulator) SlowDownSSO(n int) {
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	e.sso.slowDown = n
}

// RevokeSSOSessions ends every sign-in, as an administrator revoking the
// user's sessions: access and refresh tokens stop working, role credentials
// already issued stay valid (they are STS sessions).
func (e *Emulator) RevokeSSOSessions() {
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	for _, a := range e.sso.access {
		a.signIn.revoked = true
	}
	for _, r := range e.sso.refresh {
		r.signIn.revoked = true
	}
}

// initSSO registers the Identity Center operations on the emulator's mux
// of unsigned endpoints.
func (e *Emulator) initSSO(mux *http.ServeMux) {
	for pattern, op := range map[string]string{
		"POST /client/register":       "RegisterClient",
		"POST /device_authorization":  "StartDeviceAuthorization",
		"POST /token":                 "CreateToken",
		"GET /authorize":              "Authorize",
		"POST /authorize":             "Authorize",
		"GET /device":                 "Device",
		"POST /device":                "Device",
		"GET /federation/credentials": "GetRoleCredentials",
		"GET /assignment/accounts":    "ListAccounts",
		"GET /assignment/roles":       "ListAccountRoles",
		"POST /logout":                "Logout",
	} {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { e.serveSSO(w, r, op) })
	}
}

// serveSSO answers one Identity Center operation, counting and logging it.
func (e *Emulator) serveSSO(w http.ResponseWriter, r *http.Request, op string) {
	reqID := newRequestID()
	oidc := true
	action := "sso-oidc:" + op
	switch op {
	case "GetRoleCredentials", "ListAccounts", "ListAccountRoles", "Logout":
		oidc, action = false, "sso:"+op
	}
	var aerr *apiError
	var extra string // a second counter, e.g. the grant type of CreateToken
	switch op {
	case "RegisterClient":
		aerr = e.registerClient(w, r, reqID)
	case "StartDeviceAuthorization":
		aerr = e.startDeviceAuthorization(w, r, reqID)
	case "CreateToken":
		extra, aerr = e.createToken(w, r, reqID)
	case "Authorize":
		aerr = e.authorize(w, r)
	case "Device":
		aerr = e.devicePage(w, r)
	default:
		aerr = e.servePortal(w, r, op, reqID)
	}
	attrs := []any{"method", r.Method, "request_id", reqID, "action", action}
	if aerr != nil {
		e.mu.Lock()
		e.rejections[aerr.code]++
		e.mu.Unlock()
		writeSSOError(w, reqID, aerr, oidc)
		e.log.Info("request rejected", append(attrs, "status", aerr.status, "code", aerr.code)...)
		return
	}
	e.mu.Lock()
	e.calls[action]++
	if extra != "" {
		e.calls[action+"/"+extra]++
	}
	e.mu.Unlock()
	e.log.Info("request", attrs...)
}

// writeSSOError writes a REST-JSON error: the code in X-Amzn-ErrorType, as
// AWS sends it; SSO OIDC's body carries OAuth's error and
// error_description, the portal's a message.
func writeSSOError(w http.ResponseWriter, reqID string, aerr *apiError, oidc bool) {
	var body any = map[string]string{"message": aerr.message}
	if oidc {
		body = map[string]string{"error": oidcErrorName(aerr.code), "error_description": aerr.message}
	}
	h := w.Header()
	h.Set("X-Amzn-Errortype", aerr.code)
	writeJSON(w, aerr.status, reqID, body)
}

// oidcErrorName is the RFC 6749/8628 error name SSO OIDC puts in the body.
func oidcErrorName(code string) string {
	switch code {
	case "AuthorizationPendingException":
		return "authorization_pending"
	case "SlowDownException":
		return "slow_down"
	case "ExpiredTokenException":
		return "expired_token"
	case "AccessDeniedException":
		return "access_denied"
	case "InvalidGrantException":
		return "invalid_grant"
	case "InvalidClientException":
		return "invalid_client"
	case "UnauthorizedClientException":
		return "unauthorized_client"
	case "UnsupportedGrantTypeException":
		return "unsupported_grant_type"
	case "InvalidScopeException":
		return "invalid_scope"
	case "InvalidRedirectUriException":
		return "invalid_redirect_uri"
	case "InvalidClientMetadataException":
		return "invalid_client_metadata"
	}
	return "invalid_request"
}

func writeJSON(w http.ResponseWriter, status int, reqID string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own fixed shapes reach here
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// opaqueToken is a random bearer secret with AWS's visible prefix ("aoa"
// access tokens, "aor" refresh tokens) so logs and caches look familiar.
func opaqueToken(prefix string) string {
	return prefix + rand.Text() + rand.Text() + rand.Text()
}
