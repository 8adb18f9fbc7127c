package awsemu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AWS Sign-In, the service behind `aws login` (console credentials): the
// browser authorize step (GET /v1/authorize), the cross-device confirmation
// page (GET /v1/sessions/confirmation) and CreateOAuth2Token (POST
// /v1/token) with the authorization_code grant (PKCE) and the refresh_token
// grant. Every token call carries a DPoP proof (RFC 9449); the login
// session, and so its refresh token, is bound to the proof key's
// thumbprint. Token calls are unsigned, as in AWS.
//
// The wire format follows botocore's signin model (2023-01-01) and the AWS
// CLI's awscli/customizations/login.

// The client ids the AWS CLI signs in with.
const (
	SigninSameDeviceClient  = "arn:aws:signin:::devtools/same-device"
	SigninCrossDeviceClient = "arn:aws:signin:::devtools/cross-device"
)

const (
	signinCodeLifetime = 5 * time.Minute
	// AWS: console credentials last at most 15 minutes, the session 12 hours.
	defaultConsoleCredentials = 15 * time.Minute
	defaultLoginSession       = 12 * time.Hour
	maxSigninBody             = 16 << 10
)

// The OAuth2ErrorCode values Sign-In sends.
const (
	SigninTokenExpired            = "TOKEN_EXPIRED"
	SigninUserCredentialsChanged  = "USER_CREDENTIALS_CHANGED"
	SigninInsufficientPermissions = "INSUFFICIENT_PERMISSIONS"
	SigninAuthcodeExpired         = "AUTHCODE_EXPIRED"
	signinInvalidRequest          = "INVALID_REQUEST"
)

// signinState is Sign-In's part of the emulator; guarded by Emulator.mu.
type signinState struct {
	user        Key // who signs in at the console; no UserName: the root user
	autoApprove bool
	credentials time.Duration // console credentials' lifetime
	lifetime    time.Duration // login session's lifetime
	denied      bool          // every token call gets INSUFFICIENT_PERMISSIONS
	codes       map[string]*signinCode
	sessions    map[string]*loginSession // by refresh token
	jtis        map[string]time.Time     // proof ids seen, kept until they could no longer be accepted
	idKey       *ecdsa.PrivateKey        // signs ID tokens
}

type signinCode struct {
	clientID, redirectURI, challenge string
	user                             Key
	expires                          time.Time
	used                             bool
}

// loginSession is what a refresh token stands for.
type loginSession struct {
	arn      string
	user     Key
	clientID string
	jkt      string // the DPoP key the refresh token is bound to
	expires  time.Time
	revoked  string // the error refreshes get once the session is cut short
}

func newSigninState() *signinState {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return &signinState{
		user:        Key{UserName: "console-user", Account: DefaultAccount},
		autoApprove: true,
		credentials: defaultConsoleCredentials,
		lifetime:    defaultLoginSession,
		codes:       make(map[string]*signinCode),
		sessions:    make(map[string]*loginSession),
		jtis:        make(map[string]time.Time),
		idKey:       key,
	}
}

func (e *Emulator) initSignin(mux *http.ServeMux) {
	e.signin = newSigninState()
	mux.HandleFunc("/v1/token", e.serveSigninToken)
	mux.HandleFunc("/v1/authorize", e.serveSigninAuthorize)
	mux.HandleFunc("/v1/sessions/confirmation", e.serveSigninConfirmation)
}

// SetSigninUser sets who signs in at the emulated console: an IAM user
// (UserName set) or, without UserName, the account's root user. Its access
// key fields are ignored: console users need none. An empty Account
// becomes DefaultAccount. The default is IAM user "console-user".
func (e *Emulator) SetSigninUser(k Key) {
	if k.Account == "" {
		k.Account = DefaultAccount
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.signin.user = Key{UserName: k.UserName, Account: k.Account}
}

// SetSigninAutoApprove decides whether the authorize step signs the user
// in at once (the default, for tests playing the browser) or shows a page
// whose form must be submitted.
func (e *Emulator) SetSigninAutoApprove(auto bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.signin.autoApprove = auto
}

// SetSigninLifetimes sets how long console credentials and login sessions
// last from now on (defaults: 15 minutes and 12 hours, AWS's values).
// Zero keeps a value.
func (e *Emulator) SetSigninLifetimes(credentials, session time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if credentials > 0 {
		e.signin.credentials = credentials
	}
	if session > 0 {
		e.signin.lifetime = session
	}
}

// ExpireSigninSessions ends every login session now: refreshes get
// TOKEN_EXPIRED, as when the 12 hours are up.
func (e *Emulator) ExpireSigninSessions() {
	e.cutSigninSessions(SigninTokenExpired)
}

// RevokeSigninSessions ends every login session as a password change
// does: refreshes get USER_CREDENTIALS_CHANGED.
func (e *Emulator) RevokeSigninSessions() {
	e.cutSigninSessions(SigninUserCredentialsChanged)
}

func (e *Emulator) cutSigninSessions(code string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.signin.sessions {
		s.revoked = code
	}
}

// SetSigninDenied makes every CreateOAuth2Token call fail with
// INSUFFICIENT_PERMISSIONS (the user lacks the Sign-In permissions), or
// lifts that.
func (e *Emulator) SetSigninDenied(denied bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.signin.denied = denied
}

// NewSigninSession creates a login session for the sign-in user as a
// completed `aws login` would, bound to the DPoP key pub, and returns its
// refresh token and session ARN. Tests use it to write a cache file as
// the AWS CLI does without playing the browser.
func (e *Emulator) NewSigninSession(pub *ecdsa.PublicKey, clientID string) (refreshToken, sessionARN string) {
	e.mu.Lock()
	user := e.signin.user
	e.mu.Unlock()
	s := e.newLoginSession(user, clientID, JWKThumbprint(pub))
	return e.storeLoginSession(s), s.arn
}

// SigninRefreshTokens returns the refresh tokens of every login session,
// so tests can look for them where they must not be (files, logs).
func (e *Emulator) SigninRefreshTokens() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for rt := range e.signin.sessions {
		out = append(out, rt)
	}
	return out
}

// signinError is Sign-In's JSON error: the exception type, its
// OAuth2ErrorCode and a message.
type signinError struct {
	status  int
	typ     string
	code    string
	message string
	dpop    bool // a refused DPoP proof, counted apart
}

func signinValidation(msg string) *signinError {
	return &signinError{http.StatusBadRequest, "ValidationException", signinInvalidRequest, msg, false}
}

// signinDenied: AWS answers 401 for expired tokens and codes, 403 for the
// rest (botocore's model documents the mapping).
func signinDenied(code, msg string) *signinError {
	status := http.StatusForbidden
	if code == SigninTokenExpired || code == SigninAuthcodeExpired {
		status = http.StatusUnauthorized
	}
	return &signinError{status, "AccessDeniedException", code, msg, false}
}

func dpopRefused(msg string) *signinError {
	e := signinValidation(msg)
	e.dpop = true
	return e
}

// tokenRequest is CreateOAuth2Token's body (botocore's
// CreateOAuth2TokenRequestBody); the form-encoded variant uses OAuth's
// names.
type tokenRequest struct {
	ClientID     string `json:"clientId"`
	GrantType    string `json:"grantType"`
	Code         string `json:"code"`
	CodeVerifier string `json:"codeVerifier"`
	RedirectURI  string `json:"redirectUri"`
	RefreshToken string `json:"refreshToken"`
}

type tokenAccess struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
}

type tokenResponse struct {
	AccessToken  tokenAccess `json:"accessToken"`
	TokenType    string      `json:"tokenType"`
	ExpiresIn    int         `json:"expiresIn"`
	RefreshToken string      `json:"refreshToken"`
	IDToken      string      `json:"idToken,omitempty"`
}

func (e *Emulator) serveSigninToken(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	action, serr := e.signinToken(w, r, reqID)
	attrs := []any{"method", r.Method, "request_id", reqID, "action", action, "service", "signin"}
	e.mu.Lock()
	if serr != nil {
		e.rejections["signin:"+serr.code]++
		if serr.dpop {
			e.rejections["signin:dpop"]++
		}
	} else {
		e.calls[action]++
	}
	e.mu.Unlock()
	if serr != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Requestid", reqID)
		w.Header().Set("X-Amzn-Errortype", serr.typ)
		w.WriteHeader(serr.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": serr.typ, "error": serr.code, "message": serr.message})
		// the message never holds a token; the codes are what tests look for
		e.log.Info("request rejected", append(attrs, "status", serr.status, "code", serr.code, "message", serr.message)...)
		return
	}
	e.log.Info("request", append(attrs, "status", http.StatusOK)...)
}

func (e *Emulator) signinToken(w http.ResponseWriter, r *http.Request, reqID string) (string, *signinError) {
	if r.Method != http.MethodPost {
		return "", &signinError{http.StatusMethodNotAllowed, "ValidationException", signinInvalidRequest, "The " + r.Method + " method is not allowed.", false}
	}
	req, serr := readTokenRequest(r)
	if serr != nil {
		return "", serr
	}
	action := "signin:" + req.GrantType
	now := e.now()
	proof, err := verifyDPoP(r, now)
	if err != nil {
		return action, dpopRefused(err.Error())
	}
	if serr := e.useJTI(proof, now); serr != nil {
		return action, serr
	}
	e.mu.Lock()
	denied := e.signin.denied
	e.mu.Unlock()
	if denied {
		return action, signinDenied(SigninInsufficientPermissions,
			"User is not authorized to perform: signin:AuthorizeOAuth2Access")
	}
	var resp *tokenResponse
	switch req.GrantType {
	case "authorization_code":
		resp, serr = e.redeemCode(r, req, proof)
	case "refresh_token":
		resp, serr = e.refreshLogin(req, proof)
	case "":
		return "", signinValidation("grantType is required")
	default:
		return "", &signinError{http.StatusBadRequest, "ValidationException", "unsupported_grant_type",
			"grant type " + strconv.Quote(req.GrantType) + " is not supported", false}
	}
	if serr != nil {
		return action, serr
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", reqID)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(resp)
	return action, nil
}

func readTokenRequest(r *http.Request) (*tokenRequest, *signinError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSigninBody+1))
	if err != nil || len(body) > maxSigninBody {
		return nil, signinValidation("The request body could not be read.")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var req tokenRequest
	switch ct {
	case "application/json", "":
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, signinValidation("The request body is not valid JSON.")
		}
	case "application/x-www-form-urlencoded":
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, signinValidation("The request body is malformed.")
		}
		req = tokenRequest{ClientID: f.Get("client_id"), GrantType: f.Get("grant_type"), Code: f.Get("code"),
			CodeVerifier: f.Get("code_verifier"), RedirectURI: f.Get("redirect_uri"), RefreshToken: f.Get("refresh_token")}
	default:
		return nil, signinValidation("Content-Type must be application/json or application/x-www-form-urlencoded.")
	}
	if req.ClientID == "" {
		return nil, signinValidation("clientId is required")
	}
	return &req, nil
}

// useJTI refuses a proof id seen before (a replayed proof) and remembers
// this one for as long as its proof could be accepted.
func (e *Emulator) useJTI(p *dpopProof, now time.Time) *signinError {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.signin.jtis) > 4096 {
		for id, until := range e.signin.jtis {
			if now.After(until) {
				delete(e.signin.jtis, id)
			}
		}
	}
	if _, seen := e.signin.jtis[p.jti]; seen {
		return dpopRefused("DPoP proof jti has been used before")
	}
	e.signin.jtis[p.jti] = p.iat.Add(dpopMaxAge)
	return nil
}

// pkceVerifierRE is RFC 7636's code_verifier: 43 to 128 unreserved characters.
var pkceVerifierRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

func (e *Emulator) redeemCode(r *http.Request, req *tokenRequest, proof *dpopProof) (*tokenResponse, *signinError) {
	if req.Code == "" || req.CodeVerifier == "" {
		return nil, signinValidation("code and codeVerifier are required for grantType authorization_code")
	}
	now := e.now()
	e.mu.Lock()
	c := e.signin.codes[req.Code]
	var serr *signinError
	switch {
	case c == nil || c.used || !now.Before(c.expires):
		// Each code is good for one redemption within its lifetime.
		serr = signinDenied(SigninAuthcodeExpired, "The authorization code is expired or has already been used.")
	case c.clientID != req.ClientID:
		serr = signinValidation("clientId does not match the authorization request")
	case c.redirectURI != req.RedirectURI:
		serr = signinValidation("redirectUri does not match the authorization request")
	case !pkceVerifierRE.MatchString(req.CodeVerifier):
		serr = signinValidation("codeVerifier must be 43 to 128 unreserved characters")
	default:
		sum := sha256.Sum256([]byte(req.CodeVerifier))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.challenge)) != 1 {
			serr = signinValidation("codeVerifier does not match the code challenge")
		}
	}
	if c != nil {
		c.used = true // a failed redemption burns the code too
	}
	e.mu.Unlock()
	if serr != nil {
		return nil, serr
	}
	s := e.newLoginSession(c.user, req.ClientID, proof.jkt)
	refresh := e.storeLoginSession(s)
	resp := e.consoleCredentials(s, refresh)
	resp.IDToken = e.idToken(r, s, now)
	return resp, nil
}

func (e *Emulator) refreshLogin(req *tokenRequest, proof *dpopProof) (*tokenResponse, *signinError) {
	if req.RefreshToken == "" {
		return nil, signinValidation("refreshToken is required for grantType refresh_token")
	}
	now := e.now()
	e.mu.Lock()
	s := e.signin.sessions[req.RefreshToken]
	var serr *signinError
	switch {
	case s == nil:
		serr = signinValidation("The refresh token is invalid.")
	case s.clientID != req.ClientID:
		serr = signinValidation("clientId does not match the refresh token")
	case s.jkt != proof.jkt:
		serr = dpopRefused("DPoP proof key does not match the key the refresh token is bound to")
	case s.revoked == SigninUserCredentialsChanged:
		serr = signinDenied(s.revoked, "The user's credentials have changed. Sign in again.")
	case s.revoked != "" || !now.Before(s.expires):
		serr = signinDenied(SigninTokenExpired, "The login session has expired. Sign in again.")
	}
	e.mu.Unlock()
	if serr != nil {
		return nil, serr
	}
	// Refreshing is idempotent in AWS: the refresh token stays the same for
	// the session's life; only the console credentials are new.
	return e.consoleCredentials(s, req.RefreshToken), nil
}

func (e *Emulator) newLoginSession(user Key, clientID, jkt string) *loginSession {
	e.mu.Lock()
	lifetime := e.signin.lifetime
	e.mu.Unlock()
	arn, _, _ := identity(user, nil)
	return &loginSession{arn: arn, user: user, clientID: clientID, jkt: jkt, expires: e.now().Add(lifetime)}
}

func (e *Emulator) storeLoginSession(s *loginSession) string {
	refresh := "rt-" + randomURLToken(96)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.signin.sessions[refresh] = s
	return refresh
}

// consoleCredentials issues IAM-user session credentials for the login
// session: STS knows them as the user (GetCallerIdentity gives the user's
// ARN), and AssumeRole with them is not role chaining.
func (e *Emulator) consoleCredentials(s *loginSession, refresh string) *tokenResponse {
	e.mu.Lock()
	d := e.signin.credentials
	e.mu.Unlock()
	cred := e.issue(s.user, nil, d)
	return &tokenResponse{
		AccessToken:  tokenAccess{AccessKeyID: cred.accessKeyID, SecretAccessKey: cred.secret, SessionToken: cred.token},
		TokenType:    "aws_sigv4",
		ExpiresIn:    int(d / time.Second), // issue rounds expiry up, so this never overstates it
		RefreshToken: refresh,
	}
}

// idToken is the JWT the code redemption returns; clients read its sub
// (the login session ARN, which names the AWS CLI's cache file) and take
// the account from it. Signed ES384 as AWS does.
func (e *Emulator) idToken(r *http.Request, s *loginSession, now time.Time) string {
	hdr, _ := json.Marshal(map[string]string{"alg": "ES384", "typ": "JWT", "kid": "awsemu-signin"})
	claims, _ := json.Marshal(map[string]any{
		"sub": s.arn, "session_arn": s.arn, "aud": s.clientID,
		"iss": strings.TrimSuffix(requestURL(r), r.URL.Path) + "/signin",
		"iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(),
	})
	enc := base64.RawURLEncoding
	msg := enc.EncodeToString(hdr) + "." + enc.EncodeToString(claims)
	digest := sha512.Sum384([]byte(msg))
	e.mu.Lock()
	key := e.signin.idKey
	e.mu.Unlock()
	rr, ss, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return msg + "."
	}
	sig := make([]byte, 96)
	rr.FillBytes(sig[:48])
	ss.FillBytes(sig[48:])
	return msg + "." + enc.EncodeToString(sig)
}

func randomURLToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
