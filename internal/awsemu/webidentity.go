package awsemu

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// OIDCProvider is an IAM OpenID Connect identity provider: tokens whose
// iss is URL and whose aud is one of ClientIDs may be exchanged with
// AssumeRoleWithWebIdentity. As AWS does, the emulator fetches the
// provider's signing keys from its discovery document.
type OIDCProvider struct {
	URL       string
	ClientIDs []string
}

// WebIdentityTrust is the part of a role's trust policy that lets a
// provider's tokens assume it: Federated is the provider's URL, Subjects
// are StringLike patterns (* and ?) on the token's sub, Audience (if set)
// must equal its aud. A role without a trust for the token's provider
// answers AccessDenied, as AWS does.
type WebIdentityTrust struct {
	RoleARN   string
	Federated string
	Subjects  []string
	Audience  string
}

// WebIdentityCall records one successful AssumeRoleWithWebIdentity.
type WebIdentityCall struct {
	RoleARN         string
	RoleSessionName string
	Subject         string
	TokenID         string // the token's jti
	TokenExpires    time.Time
	DurationSeconds int
	At              time.Time
}

// oidcState is the emulator's view of one provider.
type oidcState struct {
	p    OIDCProvider
	keys map[string]*rsa.PublicKey // by kid, fetched on demand
}

// AddOIDCProvider registers p, replacing one with the same URL.
func (e *Emulator) AddOIDCProvider(p OIDCProvider) {
	p.URL = strings.TrimSuffix(p.URL, "/")
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.oidc == nil {
		e.oidc = map[string]*oidcState{}
	}
	e.oidc[p.URL] = &oidcState{p: p}
}

// TrustWebIdentity adds t to its role's trust policy.
func (e *Emulator) TrustWebIdentity(t WebIdentityTrust) {
	t.Federated = strings.TrimSuffix(t.Federated, "/")
	e.mu.Lock()
	defer e.mu.Unlock()
	e.trusts = append(e.trusts, t)
}

// WebIdentityCalls returns the successful AssumeRoleWithWebIdentity calls
// in order.
func (e *Emulator) WebIdentityCalls() []WebIdentityCall {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]WebIdentityCall(nil), e.webIdentityCalls...)
}

// unsignedAction returns the action of an STS request that carries no
// signature, if it is one STS serves unsigned. The body is put back.
func unsignedAction(r *http.Request) string {
	if r.URL.Path != "/" || r.Header.Get("Authorization") != "" || r.URL.Query().Has("X-Amz-Credential") {
		return ""
	}
	if _, aerr := bufferedPayloadHash(r); aerr != nil {
		return ""
	}
	body, _ := io.ReadAll(r.Body) // buffered: cannot fail
	r.Body = io.NopCloser(bytes.NewReader(body))
	p, aerr := queryParams(r)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if aerr == nil && p.Get("Action") == "AssumeRoleWithWebIdentity" {
		return "AssumeRoleWithWebIdentity"
	}
	return ""
}

// serveUnsigned answers AssumeRoleWithWebIdentity, which AWS takes without
// a signature: the token is the credential.
func (e *Emulator) serveUnsigned(w http.ResponseWriter, r *http.Request, reqID string, start time.Time) {
	svc := e.services["sts"]
	action := "AssumeRoleWithWebIdentity"
	p, aerr := queryParams(r)
	switch {
	case aerr != nil:
	case e.takeThrottle():
		aerr = errThrottling()
	case p.Get("Version") != stsVersion:
		aerr = newError(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", action, p.Get("Version"))
	default:
		aerr = e.assumeRoleWithWebIdentity(r.Context(), w, p, reqID)
	}
	attrs := []any{"method", r.Method, "request_id", reqID, "action", action, "service", "sts"}
	if aerr != nil {
		e.reject(w, svc, reqID, aerr)
		e.log.Info("request rejected", append(attrs, "status", aerr.status, "code", aerr.code, "elapsed", time.Since(start))...)
		return
	}
	e.mu.Lock()
	e.calls[action]++
	e.mu.Unlock()
	e.log.Info("request", append(attrs, "status", http.StatusOK, "elapsed", time.Since(start))...)
}

func errInvalidIdentityToken(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "InvalidIdentityToken", format, args...)
}

func (e *Emulator) assumeRoleWithWebIdentity(ctx context.Context, w http.ResponseWriter, p url.Values, reqID string) *apiError {
	r, aerr := roleParams(p)
	if aerr != nil {
		return aerr
	}
	arn, name := p.Get("RoleArn"), r.sessionName
	raw := p.Get("WebIdentityToken")
	switch {
	case raw == "":
		return errValidation("webIdentityToken", "", "Member must not be null")
	case len(raw) < 4 || len(raw) > 20000:
		return newError(http.StatusBadRequest, "ValidationError",
			"1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000")
	}
	secs, aerr := durationParam(p, 3600, 43200)
	if aerr != nil {
		return aerr
	}
	tok, aerr := e.verifyToken(ctx, raw)
	if aerr != nil {
		return aerr
	}
	if aerr := e.checkTrust(arn, tok); aerr != nil {
		return aerr
	}
	s := e.issue(Key{Account: r.account}, r, time.Duration(secs)*time.Second)
	e.mu.Lock()
	e.webIdentityCalls = append(e.webIdentityCalls, WebIdentityCall{RoleARN: arn, RoleSessionName: name, Subject: tok.Sub,
		TokenID: tok.JTI, TokenExpires: time.Unix(tok.Exp, 0), DurationSeconds: secs, At: e.now()})
	e.mu.Unlock()

	var resp assumeRoleWithWebIdentityResponse
	resp.Result.Credentials = credentialsXML(s)
	resp.Result.SubjectFromWebIdentityToken = tok.Sub
	resp.Result.Audience = tok.Aud
	resp.Result.Provider = strings.TrimPrefix(tok.Iss, "https://")
	resp.Result.AssumedRoleUser.Arn = r.arn()
	resp.Result.AssumedRoleUser.AssumedRoleID = r.id + ":" + name
	resp.Metadata.RequestID = reqID
	writeXML(w, http.StatusOK, reqID, resp)
	return nil
}

type assumeRoleWithWebIdentityResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleWithWebIdentityResponse"`
	Result  struct {
		Credentials                 stsCredentials `xml:"Credentials"`
		SubjectFromWebIdentityToken string         `xml:"SubjectFromWebIdentityToken"`
		AssumedRoleUser             struct {
			Arn           string `xml:"Arn"`
			AssumedRoleID string `xml:"AssumedRoleId"`
		} `xml:"AssumedRoleUser"`
		Provider string `xml:"Provider"`
		Audience string `xml:"Audience"`
	} `xml:"AssumeRoleWithWebIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

// idToken is what the emulator reads of a verified token.
type idToken struct {
	Iss, Sub, Aud, JTI string
	Exp, Nbf, Iat      int64
}

// audiences reads aud, which may be a string or a list of strings.
func audiences(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

// verifyToken checks an RS256 JWT the way STS does: a registered provider
// for its iss, an aud among the provider's client ids, a signature by one
// of the provider's keys, and its time claims.
func (e *Emulator) verifyToken(ctx context.Context, raw string) (idToken, *apiError) {
	notJWT := errInvalidIdentityToken("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return idToken{}, notJWT
	}
	var header struct{ Alg, Kid string }
	var claims struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		JTI string          `json:"jti"`
		Exp *int64          `json:"exp"`
		Nbf *int64          `json:"nbf"`
		Iat *int64          `json:"iat"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return idToken{}, notJWT
	}
	if header.Alg != "RS256" {
		return idToken{}, errInvalidIdentityToken("Unsupported token signing algorithm %q: the provider must sign with RS256", header.Alg)
	}
	iss := strings.TrimSuffix(claims.Iss, "/")
	e.mu.Lock()
	st := e.oidc[iss]
	var clientIDs []string
	if st != nil {
		clientIDs = st.p.ClientIDs
	}
	e.mu.Unlock()
	if st == nil {
		return idToken{}, errInvalidIdentityToken("No OpenIDConnect provider found in your account for %s", claims.Iss)
	}
	key, aerr := e.providerKey(ctx, st, header.Kid)
	if aerr != nil {
		return idToken{}, aerr
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return idToken{}, errInvalidIdentityToken("The web identity token signature could not be verified")
	}
	if claims.Exp == nil || claims.Iat == nil || claims.Sub == "" {
		return idToken{}, errInvalidIdentityToken("The web identity token is missing a required claim (exp, iat, sub)")
	}
	now := e.now()
	if now.Unix() >= *claims.Exp {
		// AWS's own wording, missing space included.
		return idToken{}, newError(http.StatusBadRequest, "ExpiredTokenException",
			"Token expired: current date/time %d must be before the expiration date/time%d", now.Unix(), *claims.Exp)
	}
	if claims.Nbf != nil && now.Unix() < *claims.Nbf || now.Add(5*time.Minute).Unix() < *claims.Iat {
		return idToken{}, newError(http.StatusForbidden, "IDPRejectedClaim", "The web identity token is not valid yet (nbf or iat is in the future)")
	}
	auds := audiences(claims.Aud)
	var aud string
	for _, a := range auds {
		if slices.Contains(clientIDs, a) {
			aud = a
			break
		}
	}
	if aud == "" {
		return idToken{}, errInvalidIdentityToken("Incorrect token audience")
	}
	return idToken{Iss: iss, Sub: claims.Sub, Aud: aud, JTI: claims.JTI, Exp: *claims.Exp, Iat: *claims.Iat}, nil
}

// providerKey returns the provider's key kid, fetching the provider's
// keys through its discovery document when kid is not known yet (keys
// rotate).
func (e *Emulator) providerKey(ctx context.Context, st *oidcState, kid string) (*rsa.PublicKey, *apiError) {
	e.mu.Lock()
	key := st.keys[kid]
	url := st.p.URL
	e.mu.Unlock()
	if key != nil {
		return key, nil
	}
	keys, err := fetchJWKS(ctx, url)
	if err != nil {
		e.log.Info("OIDC provider unreachable", "provider", url, "err", err)
		return nil, newError(http.StatusBadRequest, "IDPCommunicationError",
			"Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements")
	}
	e.mu.Lock()
	st.keys = keys
	key = keys[kid]
	e.mu.Unlock()
	if key == nil {
		return nil, errInvalidIdentityToken("The web identity token was signed with key %q, which the provider does not publish", kid)
	}
	return key, nil
}

// fetchJWKS reads the provider's discovery document and then its keys.
func fetchJWKS(ctx context.Context, issuer string) (map[string]*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := getJSON(ctx, issuer+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	if strings.TrimSuffix(disc.Issuer, "/") != issuer || disc.JWKSURI == "" {
		return nil, fmt.Errorf("discovery document of %s names issuer %q and jwks_uri %q", issuer, disc.Issuer, disc.JWKSURI)
	}
	var set struct {
		Keys []struct{ Kty, Kid, N, E, Use, Alg string } `json:"keys"`
	}
	if err := getJSON(ctx, disc.JWKSURI, &set); err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Use != "" && k.Use != "sig" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		ex, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(ex) > 4 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())}
	}
	return keys, nil
}

func getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

// checkTrust applies the role's trust policy to a verified token.
func (e *Emulator) checkTrust(roleARN string, tok idToken) *apiError {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.trusts {
		if t.RoleARN != roleARN || t.Federated != tok.Iss || t.Audience != "" && t.Audience != tok.Aud {
			continue
		}
		for _, pat := range t.Subjects {
			if stringLike(pat, tok.Sub) {
				return nil
			}
		}
	}
	return errAccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
}

// stringLike is IAM's StringLike: * matches any run of characters and ?
// one character; everything else, / included, is literal. path.Match
// would stop * at a /, which IAM does not.
func stringLike(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if stringLike(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && stringLike(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && stringLike(pattern[1:], s[1:])
}
