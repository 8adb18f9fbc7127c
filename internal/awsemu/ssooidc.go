package awsemu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	grantRefresh    = "refresh_token"
	grantAuthCode   = "authorization_code"
	authCodeTTL     = 5 * time.Minute
	maxSSOBody      = 64 << 10
)

func errOIDC(status int, code, msg string) *apiError {
	return newError(status, code, "%s", msg)
}

func errInvalidRequest(msg string) *apiError {
	return errOIDC(http.StatusBadRequest, "InvalidRequestException", msg)
}

func errInvalidClient() *apiError {
	return errOIDC(http.StatusUnauthorized, "InvalidClientException", "Invalid client provided")
}

func errInvalidGrant(msg string) *apiError {
	return errOIDC(http.StatusBadRequest, "InvalidGrantException", msg)
}

// decodeSSOJSON reads a small JSON request body into v.
func decodeSSOJSON(r *http.Request, v any) *apiError {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSSOBody+1))
	if err != nil || len(body) > maxSSOBody {
		return errInvalidRequest("The request body could not be read.")
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return newError(http.StatusBadRequest, "SerializationException", "Could not parse the request body as JSON.")
	}
	return nil
}

func (e *Emulator) registerClient(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	var in struct {
		ClientName   string   `json:"clientName"`
		ClientType   string   `json:"clientType"`
		Scopes       []string `json:"scopes"`
		RedirectURIs []string `json:"redirectUris"`
		GrantTypes   []string `json:"grantTypes"`
		IssuerURL    string   `json:"issuerUrl"`
	}
	if aerr := decodeSSOJSON(r, &in); aerr != nil {
		return aerr
	}
	switch {
	case in.ClientName == "":
		return errInvalidRequest("clientName is required")
	case in.ClientType == "":
		return errInvalidRequest("clientType is required")
	case in.ClientType != "public":
		return errOIDC(http.StatusBadRequest, "InvalidClientMetadataException", "Invalid client type: "+in.ClientType)
	}
	for _, g := range in.GrantTypes {
		if g != grantDeviceCode && g != grantRefresh && g != grantAuthCode {
			return errOIDC(http.StatusBadRequest, "InvalidClientMetadataException", "Invalid grant type: "+g)
		}
	}
	if slices.Contains(in.GrantTypes, grantAuthCode) && len(in.RedirectURIs) == 0 {
		return errOIDC(http.StatusBadRequest, "InvalidRedirectUriException", "A redirect URI is required for the authorization code grant")
	}
	for _, u := range in.RedirectURIs {
		if !loopbackURI(u) {
			return errOIDC(http.StatusBadRequest, "InvalidRedirectUriException", "Invalid redirect URI: "+u)
		}
	}
	for _, s := range in.Scopes {
		if !strings.HasPrefix(s, "sso:") && !strings.HasPrefix(s, "codewhisperer:") && s != "openid" {
			return errOIDC(http.StatusBadRequest, "InvalidScopeException", "Invalid scope: "+s)
		}
	}
	now := e.now()
	e.sso.mu.Lock()
	if in.IssuerURL != "" && e.sso.cfg.StartURL != "" && in.IssuerURL != e.sso.cfg.StartURL {
		e.sso.mu.Unlock()
		return errInvalidRequest("Invalid issuer URL")
	}
	c := &ssoClient{
		id:           rand22(),
		secret:       opaqueToken("eyJraWQiOiJrZXktMTU2"),
		name:         in.ClientName,
		scopes:       in.Scopes,
		redirectURIs: in.RedirectURIs,
		grantTypes:   in.GrantTypes,
		expires:      now.Add(e.sso.cfg.ClientTTL).Truncate(time.Second),
	}
	e.sso.clients[c.id] = c
	e.sso.issued = append(e.sso.issued, c.secret)
	e.sso.mu.Unlock()
	writeJSON(w, http.StatusOK, reqID, map[string]any{
		"clientId":              c.id,
		"clientSecret":          c.secret,
		"clientIdIssuedAt":      now.Unix(),
		"clientSecretExpiresAt": c.expires.Unix(),
	})
	return nil
}

// rand22 is a client id in AWS's form: 22 URL-safe characters.
func rand22() string { return opaqueToken("")[:22] }

// loopbackURI: SSO OIDC takes only http redirects to this machine, whose
// port it ignores when matching (RFC 8252 7.3).
func loopbackURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	return h == "127.0.0.1" || h == "localhost" || h == "::1"
}

func redirectMatches(registered []string, got string) bool {
	g, err := url.Parse(got)
	if err != nil {
		return false
	}
	for _, s := range registered {
		u, err := url.Parse(s)
		if err == nil && u.Scheme == g.Scheme && u.Hostname() == g.Hostname() && u.Path == g.Path {
			return true
		}
	}
	return false
}

// client checks a client id and secret; the caller holds e.sso.mu.
func (e *Emulator) client(id, secret string, now time.Time) (*ssoClient, *apiError) {
	c := e.sso.clients[id]
	if c == nil || subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		return nil, errInvalidClient()
	}
	if !now.Before(c.expires) {
		return nil, errOIDC(http.StatusUnauthorized, "InvalidClientException", "Client registration has expired")
	}
	return c, nil
}

func (c *ssoClient) allows(grant string) bool {
	if len(c.grantTypes) == 0 {
		return grant == grantDeviceCode || grant == grantRefresh
	}
	return slices.Contains(c.grantTypes, grant)
}

func (e *Emulator) startDeviceAuthorization(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		StartURL     string `json:"startUrl"`
	}
	if aerr := decodeSSOJSON(r, &in); aerr != nil {
		return aerr
	}
	if in.ClientID == "" || in.ClientSecret == "" || in.StartURL == "" {
		return errInvalidRequest("clientId, clientSecret and startUrl are required")
	}
	now := e.now()
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	c, aerr := e.client(in.ClientID, in.ClientSecret, now)
	if aerr != nil {
		return aerr
	}
	if e.sso.cfg.StartURL != "" && in.StartURL != e.sso.cfg.StartURL {
		return errInvalidRequest("Invalid start URL")
	}
	if !c.allows(grantDeviceCode) {
		return errOIDC(http.StatusBadRequest, "UnauthorizedClientException", "Client is not authorized for the device code grant")
	}
	deviceCode := opaqueToken("")
	d := &ssoDevice{client: c, userCode: userCode(), expires: now.Add(e.sso.cfg.DeviceCodeTTL)}
	e.sso.devices[keyOf(deviceCode)] = d
	e.sso.userCodes[d.userCode] = d
	verify := baseURL(r) + "/device"
	writeJSON(w, http.StatusOK, reqID, map[string]any{
		"deviceCode":              deviceCode,
		"userCode":                d.userCode,
		"verificationUri":         verify,
		"verificationUriComplete": verify + "?user_code=" + url.QueryEscape(d.userCode),
		"expiresIn":               int(e.sso.cfg.DeviceCodeTTL / time.Second),
		"interval":                int(e.sso.cfg.DeviceInterval / time.Second),
	})
	return nil
}

// userCode is "ABCD-EFGH" from an alphabet without look-alikes.
func userCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ"
	t := []byte(opaqueToken("")[:8])
	for i, b := range t {
		t[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(t[:4]) + "-" + string(t[4:])
}

// baseURL is how the client reached the emulator, for the URLs it hands out.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type createTokenInput struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	GrantType    string   `json:"grantType"`
	DeviceCode   string   `json:"deviceCode"`
	Code         string   `json:"code"`
	RefreshToken string   `json:"refreshToken"`
	Scope        []string `json:"scope"`
	RedirectURI  string   `json:"redirectUri"`
	CodeVerifier string   `json:"codeVerifier"`
}

// createToken runs one grant and names it for the call counters.
func (e *Emulator) createToken(w http.ResponseWriter, r *http.Request, reqID string) (string, *apiError) {
	var in createTokenInput
	if aerr := decodeSSOJSON(r, &in); aerr != nil {
		return "", aerr
	}
	if in.ClientID == "" || in.ClientSecret == "" || in.GrantType == "" {
		return "", errInvalidRequest("clientId, clientSecret and grantType are required")
	}
	now := e.now()
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	c, aerr := e.client(in.ClientID, in.ClientSecret, now)
	if aerr != nil {
		return "", aerr
	}
	var grant, short string
	switch in.GrantType {
	case grantDeviceCode:
		grant, short = in.GrantType, "device_code"
	case grantRefresh, grantAuthCode:
		grant, short = in.GrantType, in.GrantType
	default:
		return "", errOIDC(http.StatusBadRequest, "UnsupportedGrantTypeException", "Unsupported grant type: "+in.GrantType)
	}
	if !c.allows(grant) {
		return short, errOIDC(http.StatusBadRequest, "UnauthorizedClientException", "Client is not authorized for grant type "+in.GrantType)
	}
	var signIn *ssoSignIn
	var oldRefresh string
	switch grant {
	case grantDeviceCode:
		signIn, aerr = e.deviceGrant(c, in, now)
	case grantAuthCode:
		signIn, aerr = e.authCodeGrant(c, in, now)
	case grantRefresh:
		signIn, aerr = e.refreshGrant(c, in, now)
		oldRefresh = in.RefreshToken
	}
	if aerr != nil {
		return short, aerr
	}
	access := opaqueToken("aoa")
	ttl := e.sso.cfg.AccessTokenTTL
	if left := signIn.ends.Sub(now); left < ttl {
		ttl = left // no access token outlives its sign-in
	}
	ttl = ttl.Truncate(time.Second)
	e.sso.access[keyOf(access)] = &ssoAccess{signIn: signIn, expires: now.Add(ttl)}
	e.sso.issued = append(e.sso.issued, access)
	out := map[string]any{"accessToken": access, "tokenType": "Bearer", "expiresIn": int(ttl / time.Second)}
	// Refresh tokens go only to clients registered with scopes (AWS's
	// sso-session configurations); they rotate: the one used is spent.
	if len(c.scopes) > 0 && c.allows(grantRefresh) {
		if oldRefresh != "" {
			delete(e.sso.refresh, keyOf(oldRefresh))
		}
		rt := opaqueToken("aor")
		e.sso.refresh[keyOf(rt)] = &ssoRefresh{signIn: signIn, client: c}
		e.sso.issued = append(e.sso.issued, rt)
		out["refreshToken"] = rt
	}
	writeJSON(w, http.StatusOK, reqID, out)
	return short, nil
}

func (e *Emulator) newSignIn(scopes []string, now time.Time) *ssoSignIn {
	return &ssoSignIn{ends: now.Add(e.sso.cfg.SessionTTL), scopes: scopes}
}

// deviceGrant follows RFC 8628 3.5: pending, slow_down when polled faster
// than the interval, access_denied, expired_token.
func (e *Emulator) deviceGrant(c *ssoClient, in createTokenInput, now time.Time) (*ssoSignIn, *apiError) {
	if in.DeviceCode == "" {
		return nil, errInvalidRequest("deviceCode is required")
	}
	d := e.sso.devices[keyOf(in.DeviceCode)]
	if d == nil || d.used || d.client != c {
		return nil, errInvalidGrant("Invalid device code provided")
	}
	if !now.Before(d.expires) {
		return nil, errOIDC(http.StatusBadRequest, "ExpiredTokenException", "Device code has expired")
	}
	last := d.lastPoll
	d.lastPoll = now
	if e.sso.slowDown > 0 {
		e.sso.slowDown--
		return nil, errOIDC(http.StatusBadRequest, "SlowDownException", "Client is polling too fast")
	}
	if !last.IsZero() && now.Sub(last) < e.sso.cfg.DeviceInterval {
		return nil, errOIDC(http.StatusBadRequest, "SlowDownException", "Client is polling too fast")
	}
	switch {
	case d.denied:
		d.used = true
		return nil, errOIDC(http.StatusBadRequest, "AccessDeniedException", "The user denied the authorization request")
	case !d.approved:
		return nil, errOIDC(http.StatusBadRequest, "AuthorizationPendingException", "Authorization is still pending")
	}
	d.used = true
	delete(e.sso.userCodes, d.userCode)
	return e.newSignIn(c.scopes, now), nil
}

func (e *Emulator) authCodeGrant(c *ssoClient, in createTokenInput, now time.Time) (*ssoSignIn, *apiError) {
	if in.Code == "" || in.RedirectURI == "" || in.CodeVerifier == "" {
		return nil, errInvalidRequest("code, redirectUri and codeVerifier are required")
	}
	k := keyOf(in.Code)
	ac := e.sso.authCodes[k]
	delete(e.sso.authCodes, k) // single use, even when the exchange fails
	switch {
	case ac == nil || ac.client != c || !now.Before(ac.expires):
		return nil, errInvalidGrant("Invalid authorization code provided")
	case in.RedirectURI != ac.redirectURI:
		return nil, errInvalidGrant("Redirect URI does not match the authorization request")
	}
	sum := sha256.Sum256([]byte(in.CodeVerifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(ac.challenge)) != 1 {
		return nil, errInvalidGrant("Code verifier does not match the code challenge")
	}
	return e.newSignIn(ac.scopes, now), nil
}

func (e *Emulator) refreshGrant(c *ssoClient, in createTokenInput, now time.Time) (*ssoSignIn, *apiError) {
	if in.RefreshToken == "" {
		return nil, errInvalidRequest("refreshToken is required")
	}
	rt := e.sso.refresh[keyOf(in.RefreshToken)]
	switch {
	case rt == nil || rt.client != c || rt.signIn.revoked:
		return nil, errInvalidGrant("Invalid refresh token provided")
	case !now.Before(rt.signIn.ends):
		return nil, errOIDC(http.StatusBadRequest, "ExpiredTokenException", "Refresh token has expired")
	}
	return rt.signIn, nil
}
