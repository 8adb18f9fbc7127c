package awsemu

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	signintypes "github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The tests here play the AWS CLI (authorize URL, PKCE, the code exchange)
// with aws-sdk-go-v2's Sign-In client, adding DPoP proofs of their own;
// signin_sdk_test.go checks the refresh against aws-sdk-go-v2's own
// logincreds provider, which builds its proofs itself.

const loopbackRedirect = "http://127.0.0.1:43210/oauth/callback"

// proofSigner builds DPoP proofs; its fields let a test break one thing.
type proofSigner struct {
	key    *ecdsa.PrivateKey
	typ    string
	alg    string
	htm    string
	htu    string // "" = the request URL
	iat    time.Time
	jti    string
	badSig bool
	withD  bool
}

func newProofKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (p proofSigner) sign(t *testing.T, reqURL string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	point, err := p.key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	jwk := map[string]string{"kty": "EC", "crv": "P-256", "x": enc.EncodeToString(point[1:33]), "y": enc.EncodeToString(point[33:])}
	if p.withD {
		d, err := p.key.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		jwk["d"] = enc.EncodeToString(d)
	}
	hdr, _ := json.Marshal(map[string]any{"typ": cmpOr(p.typ, "dpop+jwt"), "alg": cmpOr(p.alg, "ES256"), "jwk": jwk})
	iat := p.iat
	if iat.IsZero() {
		iat = time.Now()
	}
	jti := p.jti
	if jti == "" {
		jti = randomURLToken(16)
	}
	claims, _ := json.Marshal(map[string]any{"htm": cmpOr(p.htm, "POST"), "htu": cmpOr(p.htu, reqURL), "iat": iat.Unix(), "jti": jti})
	msg := enc.EncodeToString(hdr) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, p.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	if p.badSig {
		sig[5] ^= 1
	}
	return msg + "." + enc.EncodeToString(sig)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// signinClient is the SDK's Sign-In client with p's proof on every call
// (an empty key: no DPoP header).
func (f *fixture) signinClient(t *testing.T, p proofSigner) *signin.Client {
	return signin.New(signin.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(f.url),
		Retryer:      aws.NopRetryer{},
		APIOptions: []func(*middleware.Stack) error{func(st *middleware.Stack) error {
			return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("testDPoP",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					if req, ok := in.Request.(*smithyhttp.Request); ok && p.key != nil {
						req.Header.Set("DPoP", p.sign(t, req.URL.String()))
					}
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		}},
	})
}

// pkce returns a verifier and its challenge as the AWS CLI makes them.
func pkce() (verifier, challenge string) {
	verifier = randomURLToken(48) // 64 characters
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeURL(base, clientID, redirect, state, challenge string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "state": {state},
		"code_challenge_method": {"SHA-256"}, "scope": {"openid"}, "redirect_uri": {redirect}}
	return base + "/v1/authorize?" + q.Encode() + "&code_challenge=" + challenge
}

// noRedirect is a browser that stops at the first redirect.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// authorize plays the browser on the authorize page and returns the code
// the loopback redirect carries.
func (f *fixture) authorize(t *testing.T, clientID, redirect, challenge string) string {
	t.Helper()
	resp, err := noRedirect.Get(authorizeURL(f.url, clientID, redirect, "state-1", challenge))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: got %s %s, want a redirect", resp.Status, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Fatalf("redirected to %s, want %s", got, redirect)
	}
	if got := loc.Query().Get("state"); got != "state-1" {
		t.Fatalf("got state %q, want state-1", got)
	}
	return loc.Query().Get("code")
}

func (f *fixture) redeem(t *testing.T, p proofSigner, code, verifier, clientID, redirect string) (*signin.CreateOAuth2TokenOutput, error) {
	t.Helper()
	return f.signinClient(t, p).CreateOAuth2Token(t.Context(), &signin.CreateOAuth2TokenInput{
		TokenInput: &signintypes.CreateOAuth2TokenRequestBody{
			ClientId: aws.String(clientID), GrantType: aws.String("authorization_code"),
			Code: aws.String(code), CodeVerifier: aws.String(verifier), RedirectUri: aws.String(redirect),
		}})
}

func (f *fixture) refresh(t *testing.T, p proofSigner, token string) (*signin.CreateOAuth2TokenOutput, error) {
	t.Helper()
	return f.signinClient(t, p).CreateOAuth2Token(t.Context(), &signin.CreateOAuth2TokenInput{
		TokenInput: &signintypes.CreateOAuth2TokenRequestBody{
			ClientId: aws.String(SigninSameDeviceClient), GrantType: aws.String("refresh_token"),
			RefreshToken: aws.String(token),
		}})
}

// login runs the same-device flow and returns the token output.
func (f *fixture) login(t *testing.T, key *ecdsa.PrivateKey) *signintypes.CreateOAuth2TokenResponseBody {
	t.Helper()
	verifier, challenge := pkce()
	code := f.authorize(t, SigninSameDeviceClient, loopbackRedirect, challenge)
	out, err := f.redeem(t, proofSigner{key: key}, code, verifier, SigninSameDeviceClient, loopbackRedirect)
	if err != nil {
		t.Fatalf("CreateOAuth2Token(authorization_code): %v", err)
	}
	return out.TokenOutput
}

func jwtClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("id token has %d parts", len(parts))
	}
	var c map[string]any
	if err := decodeJWTPart(parts[1], &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSigninSameDeviceConsoleCredentials(t *testing.T) {
	f := newFixture(t)
	f.emu.SetSigninUser(Key{UserName: "carol", Account: "111122223333"})
	out := f.login(t, newProofKey(t))

	if got := aws.ToString(out.TokenType); got != "aws_sigv4" {
		t.Errorf("got tokenType %q, want aws_sigv4", got)
	}
	if got := aws.ToInt32(out.ExpiresIn); got != 900 {
		t.Errorf("got expiresIn %d, want 900", got)
	}
	const userARN = "arn:aws:iam::111122223333:user/carol"
	if got := jwtClaims(t, aws.ToString(out.IdToken))["sub"]; got != userARN {
		t.Errorf("got id token sub %v, want %s", got, userARN)
	}
	if aws.ToString(out.RefreshToken) == "" {
		t.Fatal("no refresh token")
	}

	// The console credentials are the IAM user's session: STS knows them,
	// and assuming a role with them is not role chaining (two hours pass).
	at := out.AccessToken
	console := f.client(aws.ToString(at.AccessKeyId), aws.ToString(at.SecretAccessKey), aws.ToString(at.SessionToken))
	id, err := console.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(id.Arn); got != userARN {
		t.Errorf("GetCallerIdentity: got %s, want %s", got, userARN)
	}
	ar, err := console.AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN),
		RoleSessionName: aws.String("console"), DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatalf("AssumeRole with console credentials for 2h: %v", err)
	}
	if got := aws.ToString(ar.AssumedRoleUser.Arn); !strings.HasSuffix(got, ":assumed-role/spin_role-examples/console") {
		t.Errorf("got assumed role %s", got)
	}
	if got := f.emu.Calls("signin:authorization_code"); got != 1 {
		t.Errorf("got %d code redemptions, want 1", got)
	}
}

func TestSigninRefreshIsBoundToTheKey(t *testing.T) {
	f := newFixture(t)
	f.emu.SetSigninLifetimes(20*time.Second, 0)
	key := newProofKey(t)
	out := f.login(t, key)
	rt := aws.ToString(out.RefreshToken)

	for i := range 3 {
		got, err := f.refresh(t, proofSigner{key: key}, rt)
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if aws.ToString(got.TokenOutput.AccessToken.AccessKeyId) == aws.ToString(out.AccessToken.AccessKeyId) {
			t.Errorf("refresh %d returned the old access key", i)
		}
		if aws.ToInt32(got.TokenOutput.ExpiresIn) != 20 {
			t.Errorf("got expiresIn %d, want 20", aws.ToInt32(got.TokenOutput.ExpiresIn))
		}
		if got.TokenOutput.IdToken != nil {
			t.Errorf("refresh returned an id token")
		}
	}
	if got := f.emu.Calls("signin:refresh_token"); got != 3 {
		t.Errorf("got %d refresh calls, want 3", got)
	}
	// Another key's valid proof does not make the token usable.
	_, err := f.refresh(t, proofSigner{key: newProofKey(t)}, rt)
	if got := errorCode(t, err); got != "ValidationException" {
		t.Fatalf("refresh with another key: got %q (%v), want ValidationException", got, err)
	}
	if got := f.emu.Rejections("signin:dpop"); got != 1 {
		t.Errorf("got %d DPoP rejections, want 1", got)
	}
}

func TestSigninDPoPProofChecks(t *testing.T) {
	f := newFixture(t)
	key := newProofKey(t)
	rt, _ := f.emu.NewSigninSession(&key.PublicKey, SigninSameDeviceClient)
	replayed := proofSigner{key: key, jti: "same-jti"}
	if _, err := f.refresh(t, replayed, rt); err != nil {
		t.Fatalf("first use of a proof id: %v", err)
	}
	tests := []struct {
		name string
		p    proofSigner
	}{
		{"no proof", proofSigner{}},
		{"typ JWT", proofSigner{key: key, typ: "JWT"}},
		{"alg RS256", proofSigner{key: key, alg: "RS256"}},
		{"alg none", proofSigner{key: key, alg: "none"}},
		{"bad signature", proofSigner{key: key, badSig: true}},
		{"private key in jwk", proofSigner{key: key, withD: true}},
		{"htm GET", proofSigner{key: key, htm: "GET"}},
		{"htu of another path", proofSigner{key: key, htu: f.url + "/v1/authorize"}},
		{"htu of another host", proofSigner{key: key, htu: "https://us-east-1.signin.aws.amazon.com/v1/token"}},
		{"iat 6 minutes old", proofSigner{key: key, iat: time.Now().Add(-6 * time.Minute)}},
		{"iat 2 minutes ahead", proofSigner{key: key, iat: time.Now().Add(2 * time.Minute)}},
		{"replayed jti", replayed},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.refresh(t, tt.p, rt)
			if got := errorCode(t, err); got != "ValidationException" {
				t.Fatalf("got %q (%v), want ValidationException", got, err)
			}
			if got := f.emu.Rejections("signin:dpop"); got != i+1 {
				t.Errorf("got %d DPoP rejections, want %d", got, i+1)
			}
		})
	}
	if got := f.emu.Calls("signin:refresh_token"); got != 1 {
		t.Errorf("got %d successful refreshes, want 1", got)
	}
}

func TestSigninCodeRedemptionChecks(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(f *fixture, verifier, client, redirect *string)
		wantType string
		wantCode signintypes.OAuth2ErrorCode
	}{
		{"wrong verifier", func(_ *fixture, v, _, _ *string) { *v = randomURLToken(48) }, "ValidationException", "INVALID_REQUEST"},
		{"short verifier", func(_ *fixture, v, _, _ *string) { *v = (*v)[:42] }, "ValidationException", "INVALID_REQUEST"},
		{"other redirect", func(_ *fixture, _, _, r *string) { *r = "http://127.0.0.1:1/oauth/callback" }, "ValidationException", "INVALID_REQUEST"},
		{"other client", func(_ *fixture, _, c, _ *string) { *c = SigninCrossDeviceClient }, "ValidationException", "INVALID_REQUEST"},
		{"expired code", func(f *fixture, _, _, _ *string) { f.clock.Advance(6 * time.Minute) }, "AccessDeniedException", "AUTHCODE_EXPIRED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			verifier, challenge := pkce()
			code := f.authorize(t, SigninSameDeviceClient, loopbackRedirect, challenge)
			v, c, r := verifier, SigninSameDeviceClient, loopbackRedirect
			tt.mutate(f, &v, &c, &r)
			// the test proof uses the real clock; keep the emulator's near it
			_, err := f.redeem(t, proofSigner{key: newProofKey(t), iat: f.clock.Now()}, code, v, c, r)
			if got := errorCode(t, err); got != tt.wantType {
				t.Fatalf("got %q (%v), want %s", got, err, tt.wantType)
			}
			if got := oauthError(err); got != tt.wantCode {
				t.Errorf("got error %q, want %q", got, tt.wantCode)
			}
			// A code is good for one redemption, failed or not.
			_, err = f.redeem(t, proofSigner{key: newProofKey(t), iat: f.clock.Now()}, code, verifier, SigninSameDeviceClient, loopbackRedirect)
			if got := oauthError(err); got != "AUTHCODE_EXPIRED" {
				t.Errorf("second redemption: got %q (%v), want AUTHCODE_EXPIRED", got, err)
			}
		})
	}
}

// oauthError is the OAuth2ErrorCode an SDK error carries.
func oauthError(err error) signintypes.OAuth2ErrorCode {
	var ad *signintypes.AccessDeniedException
	var ve *signintypes.ValidationException
	switch {
	case errors.As(err, &ad):
		return ad.Error_
	case errors.As(err, &ve):
		return ve.Error_
	}
	return ""
}

func TestSigninSessionEnds(t *testing.T) {
	tests := []struct {
		name   string
		end    func(f *fixture)
		want   signintypes.OAuth2ErrorCode
		status int
	}{
		{"expired", func(f *fixture) { f.emu.ExpireSigninSessions() }, "TOKEN_EXPIRED", 401},
		{"password changed", func(f *fixture) { f.emu.RevokeSigninSessions() }, "USER_CREDENTIALS_CHANGED", 403},
		{"permission removed", func(f *fixture) { f.emu.SetSigninDenied(true) }, "INSUFFICIENT_PERMISSIONS", 403},
		{"12 hours up", func(f *fixture) { f.clock.Advance(12*time.Hour + time.Second) }, "TOKEN_EXPIRED", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			key := newProofKey(t)
			rt, _ := f.emu.NewSigninSession(&key.PublicKey, SigninSameDeviceClient)
			if _, err := f.refresh(t, proofSigner{key: key}, rt); err != nil {
				t.Fatalf("refresh before the session ends: %v", err)
			}
			tt.end(f)
			_, err := f.refresh(t, proofSigner{key: key, iat: f.clock.Now()}, rt)
			var ad *signintypes.AccessDeniedException
			if !errors.As(err, &ad) || ad.Error_ != tt.want {
				t.Fatalf("got %v, want AccessDeniedException %s", err, tt.want)
			}
			var re *smithyhttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != tt.status {
				t.Errorf("got %v, want HTTP %d", err, tt.status)
			}
			if got := f.emu.Rejections("signin:" + string(tt.want)); got != 1 {
				t.Errorf("got %d rejections with %s, want 1", got, tt.want)
			}
		})
	}
}

func TestSigninCrossDevice(t *testing.T) {
	f := newFixture(t)
	verifier, challenge := pkce()
	redirect := f.url + confirmationPath
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(authorizeURL(f.url, SigninCrossDeviceClient, redirect, "xstate", challenge))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pasted, ok := VerificationCode(page)
	if !ok {
		t.Fatalf("no verification code on the confirmation page:\n%s", page)
	}
	// The AWS CLI decodes base64 "code=...&state=...".
	raw, err := base64.StdEncoding.DecodeString(pasted)
	if err != nil {
		t.Fatal(err)
	}
	q, err := url.ParseQuery(string(raw))
	if err != nil || q.Get("state") != "xstate" || q.Get("code") == "" {
		t.Fatalf("verification code decodes to %q", raw)
	}
	out, err := f.redeem(t, proofSigner{key: newProofKey(t)}, q.Get("code"), verifier, SigninCrossDeviceClient, redirect)
	if err != nil {
		t.Fatalf("redeem the pasted code: %v", err)
	}
	if aws.ToString(out.TokenOutput.RefreshToken) == "" {
		t.Error("no refresh token")
	}
}

func TestSigninAuthorizePage(t *testing.T) {
	f := newFixture(t)
	_, challenge := pkce()
	bad := []struct{ name, url string }{
		{"non-loopback redirect", authorizeURL(f.url, SigninSameDeviceClient, "http://evil.example:8080/cb", "s", challenge)},
		{"https loopback", authorizeURL(f.url, SigninSameDeviceClient, "https://127.0.0.1:8080/cb", "s", challenge)},
		{"no port", authorizeURL(f.url, SigninSameDeviceClient, "http://127.0.0.1/cb", "s", challenge)},
		{"cross-device to loopback", authorizeURL(f.url, SigninCrossDeviceClient, loopbackRedirect, "s", challenge)},
		{"unknown client", authorizeURL(f.url, "arn:aws:signin:::devtools/other", loopbackRedirect, "s", challenge)},
		{"no state", authorizeURL(f.url, SigninSameDeviceClient, loopbackRedirect, "", challenge)},
		{"no challenge", authorizeURL(f.url, SigninSameDeviceClient, loopbackRedirect, "s", "")},
	}
	for _, tt := range bad {
		resp, err := noRedirect.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%s: got %s Location %q, want 400 and no redirect", tt.name, resp.Status, resp.Header.Get("Location"))
		}
	}

	// Without auto-approve the page asks; the form's answer decides.
	f.emu.SetSigninAutoApprove(false)
	u := authorizeURL(f.url, SigninSameDeviceClient, loopbackRedirect, "s2", challenge)
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `name="decision" value="allow"`) {
		t.Fatalf("got %s, want the consent form:\n%s", resp.Status, page)
	}
	parsed, _ := url.Parse(u)
	for decision, want := range map[string]string{"allow": "code", "deny": "error"} {
		form := parsed.Query()
		form.Set("decision", decision)
		resp, err := noRedirect.PostForm(f.url+"/v1/authorize", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Query().Get(want) == "" || loc.Query().Get("state") != "s2" {
			t.Errorf("%s: got %s to %s, want a redirect with %s and state", decision, resp.Status, loc, want)
		}
	}
	if got := f.emu.Calls("signin:authorize"); got != 1 {
		t.Errorf("got %d codes issued, want 1", got)
	}
}
