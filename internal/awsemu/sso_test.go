package awsemu

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// These tests drive the emulated Identity Center only through
// aws-sdk-go-v2's own ssooidc and sso clients, so the wire shapes, headers
// and error codes are the ones real clients expect.

const testStartURL = "https://d-1234567890.awsapps.com/start"

func newSSOFixture(t *testing.T, cfg SSOConfig) *fixture {
	t.Helper()
	f := newFixture(t)
	if cfg.StartURL == "" {
		cfg.StartURL = testStartURL
	}
	if cfg.User == "" {
		cfg.User = "alice@example.com"
	}
	if cfg.Accounts == nil {
		cfg.Accounts = []SSOAccount{{ID: "111122223333", Name: "dev", Email: "dev@example.com", Roles: []string{"Developer", "ReadOnly"}}}
	}
	f.emu.ConfigureSSO(cfg)
	return f
}

func (f *fixture) oidc() *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.url), Retryer: aws.NopRetryer{}})
}

func (f *fixture) portal() *sso.Client {
	return sso.New(sso.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.url), Retryer: aws.NopRetryer{}})
}

func register(t *testing.T, f *fixture, in *ssooidc.RegisterClientInput) *ssooidc.RegisterClientOutput {
	t.Helper()
	if in == nil {
		in = &ssooidc.RegisterClientInput{ClientName: aws.String("spin"), ClientType: aws.String("public"),
			Scopes: []string{"sso:account:access"}}
	}
	out, err := f.oidc().RegisterClient(t.Context(), in)
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return out
}

// deviceSignIn runs the device flow to its end and returns the tokens.
func deviceSignIn(t *testing.T, f *fixture, reg *ssooidc.RegisterClientOutput) *ssooidc.CreateTokenOutput {
	t.Helper()
	ctx := t.Context()
	dev, err := f.oidc().StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(testStartURL)})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	if err := f.emu.ApproveDevice(aws.ToString(dev.UserCode)); err != nil {
		t.Fatal(err)
	}
	tok, err := f.oidc().CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(grantDeviceCode), DeviceCode: dev.DeviceCode})
	if err != nil {
		t.Fatalf("CreateToken (device code): %v", err)
	}
	return tok
}

func TestSSODeviceFlow(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{})
	ctx := t.Context()
	reg := register(t, f, nil)
	if got := time.Unix(reg.ClientSecretExpiresAt, 0).Sub(time.Unix(reg.ClientIdIssuedAt, 0)); got != 90*24*time.Hour {
		t.Errorf("registration lifetime = %v, want 90 days", got)
	}
	dev, err := f.oidc().StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(testStartURL)})
	if err != nil {
		t.Fatal(err)
	}
	if dev.Interval != 1 || dev.ExpiresIn != 600 {
		t.Errorf("interval, expiresIn = %d, %d; want 1, 600", dev.Interval, dev.ExpiresIn)
	}
	code := aws.ToString(dev.UserCode)
	if want := f.url + "/device?user_code=" + url.QueryEscape(code); aws.ToString(dev.VerificationUriComplete) != want {
		t.Errorf("verificationUriComplete = %q, want %q", aws.ToString(dev.VerificationUriComplete), want)
	}
	if got := f.emu.PendingUserCodes(); len(got) != 1 || got[0] != code {
		t.Errorf("PendingUserCodes = %v, want [%s]", got, code)
	}
	poll := func() (*ssooidc.CreateTokenOutput, error) {
		return f.oidc().CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(grantDeviceCode), DeviceCode: dev.DeviceCode})
	}
	var pending *oidctypes.AuthorizationPendingException
	if _, err := poll(); !errors.As(err, &pending) {
		t.Fatalf("first poll: got %v, want AuthorizationPendingException", err)
	}
	if aws.ToString(pending.Error_) != "authorization_pending" {
		t.Errorf("error = %q, want authorization_pending", aws.ToString(pending.Error_))
	}
	var slow *oidctypes.SlowDownException
	if _, err := poll(); !errors.As(err, &slow) {
		t.Fatalf("poll within the interval: got %v, want SlowDownException", err)
	}
	f.clock.Advance(time.Second)
	f.emu.SlowDownSSO(1)
	if _, err := poll(); !errors.As(err, &slow) {
		t.Fatalf("poll with SlowDownSSO(1): got %v, want SlowDownException", err)
	}
	f.clock.Advance(time.Second)
	if err := f.emu.ApproveDevice(code); err != nil {
		t.Fatal(err)
	}
	tok, err := poll()
	if err != nil {
		t.Fatalf("poll after approval: %v", err)
	}
	if aws.ToString(tok.TokenType) != "Bearer" || tok.ExpiresIn != 3600 ||
		!strings.HasPrefix(aws.ToString(tok.AccessToken), "aoa") || !strings.HasPrefix(aws.ToString(tok.RefreshToken), "aor") {
		t.Errorf("token = type %q, expiresIn %d, refresh set %v", aws.ToString(tok.TokenType), tok.ExpiresIn, tok.RefreshToken != nil)
	}
	f.clock.Advance(time.Second)
	var grant *oidctypes.InvalidGrantException
	if _, err := poll(); !errors.As(err, &grant) {
		t.Errorf("device code used twice: got %v, want InvalidGrantException", err)
	}
	if n := f.emu.Calls("sso-oidc:CreateToken/device_code"); n != 1 {
		t.Errorf("successful device-code CreateToken calls = %d, want 1", n)
	}
	if n := f.emu.Rejections("AuthorizationPendingException"); n != 1 {
		t.Errorf("AuthorizationPendingException rejections = %d, want 1", n)
	}

	// The role credentials are an STS session the emulator's STS accepts.
	creds, err := f.portal().GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("111122223333"), RoleName: aws.String("Developer")})
	if err != nil {
		t.Fatalf("GetRoleCredentials: %v", err)
	}
	rc := creds.RoleCredentials
	exp := time.UnixMilli(rc.Expiration)
	if d := exp.Sub(f.clock.Now()); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("expiration (epoch ms) %d is %v away, want about 1h", rc.Expiration, d)
	}
	id, err := f.client(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken)).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with role credentials: %v", err)
	}
	want := "arn:aws:sts::111122223333:assumed-role/" + ReservedSSORoleName("111122223333", "Developer") + "/alice@example.com"
	if aws.ToString(id.Arn) != want {
		t.Errorf("ARN = %s, want %s", aws.ToString(id.Arn), want)
	}
	if !strings.HasPrefix(want, "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Developer_") {
		t.Errorf("reserved role name %s lacks AWS's form", want)
	}
	f.clock.Advance(time.Hour + time.Second)
	_, err = f.client(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken)).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if got := errorCode(t, err); got != "ExpiredToken" {
		t.Errorf("role credentials after 1h: got %q, want ExpiredToken", got)
	}
}

func TestSSODeviceDeniedAndExpired(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{DeviceCodeTTL: time.Minute})
	ctx := t.Context()
	reg := register(t, f, nil)
	start := func() *ssooidc.StartDeviceAuthorizationOutput {
		dev, err := f.oidc().StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(testStartURL)})
		if err != nil {
			t.Fatal(err)
		}
		return dev
	}
	poll := func(dev *ssooidc.StartDeviceAuthorizationOutput) error {
		_, err := f.oidc().CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(grantDeviceCode), DeviceCode: dev.DeviceCode})
		return err
	}
	denied := start()
	if err := f.emu.DenyDevice(aws.ToString(denied.UserCode)); err != nil {
		t.Fatal(err)
	}
	var ad *oidctypes.AccessDeniedException
	if err := poll(denied); !errors.As(err, &ad) {
		t.Errorf("denied: got %v, want AccessDeniedException", err)
	}
	expired := start()
	f.clock.Advance(time.Minute)
	var et *oidctypes.ExpiredTokenException
	if err := poll(expired); !errors.As(err, &et) {
		t.Errorf("after DeviceCodeTTL: got %v, want ExpiredTokenException", err)
	}
	if err := f.emu.ApproveDevice(aws.ToString(expired.UserCode)); err == nil {
		t.Errorf("ApproveDevice of an expired code: got nil error")
	}
	var bad *oidctypes.InvalidRequestException
	_, err := f.oidc().StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String("https://d-other.awsapps.com/start")})
	if !errors.As(err, &bad) {
		t.Errorf("other start URL: got %v, want InvalidRequestException", err)
	}
}

func TestSSOClientErrors(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{ClientTTL: time.Hour})
	ctx := t.Context()
	reg := register(t, f, nil)
	var ic *oidctypes.InvalidClientException
	_, err := f.oidc().StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: aws.String("wrong"), StartUrl: aws.String(testStartURL)})
	if !errors.As(err, &ic) {
		t.Errorf("wrong secret: got %v, want InvalidClientException", err)
	}
	f.clock.Advance(time.Hour)
	_, err = f.oidc().StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(testStartURL)})
	if !errors.As(err, &ic) {
		t.Errorf("expired registration: got %v, want InvalidClientException", err)
	}
	var ug *oidctypes.UnsupportedGrantTypeException
	reg = register(t, f, nil)
	_, err = f.oidc().CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("password")})
	if !errors.As(err, &ug) {
		t.Errorf("password grant: got %v, want UnsupportedGrantTypeException", err)
	}
	var meta *oidctypes.InvalidClientMetadataException
	_, err = f.oidc().RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("x"), ClientType: aws.String("confidential")})
	if !errors.As(err, &meta) {
		t.Errorf("confidential client: got %v, want InvalidClientMetadataException", err)
	}
	var redir *oidctypes.InvalidRedirectUriException
	_, err = f.oidc().RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("x"), ClientType: aws.String("public"),
		GrantTypes: []string{grantAuthCode}, RedirectUris: []string{"https://evil.example.com/cb"}})
	if !errors.As(err, &redir) {
		t.Errorf("non-loopback redirect: got %v, want InvalidRedirectUriException", err)
	}
}

func TestSSORefreshAndExpiry(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{AccessTokenTTL: 10 * time.Minute, SessionTTL: time.Hour})
	ctx := t.Context()
	reg := register(t, f, nil)
	tok := deviceSignIn(t, f, reg)
	getCreds := func(access *string) error {
		_, err := f.portal().GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
			AccessToken: access, AccountId: aws.String("111122223333"), RoleName: aws.String("ReadOnly")})
		return err
	}
	if err := getCreds(tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Minute)
	var ue *ssotypes.UnauthorizedException
	if err := getCreds(tok.AccessToken); !errors.As(err, &ue) {
		t.Fatalf("expired access token: got %v, want UnauthorizedException", err)
	}
	refresh := func(rt *string) (*ssooidc.CreateTokenOutput, error) {
		return f.oidc().CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("refresh_token"), RefreshToken: rt})
	}
	tok2, err := refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if err := getCreds(tok2.AccessToken); err != nil {
		t.Errorf("refreshed access token: %v", err)
	}
	var ig *oidctypes.InvalidGrantException
	if _, err := refresh(tok.RefreshToken); !errors.As(err, &ig) {
		t.Errorf("spent refresh token: got %v, want InvalidGrantException", err)
	}
	// The last access token of a sign-in ends with it.
	f.clock.Advance(45 * time.Minute)
	tok3, err := refresh(tok2.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok3.ExpiresIn < 298 || tok3.ExpiresIn > 300 { // the test clock runs on
		t.Errorf("expiresIn 5 minutes before the sign-in ends = %d, want 300", tok3.ExpiresIn)
	}
	f.clock.Advance(5 * time.Minute)
	var et *oidctypes.ExpiredTokenException
	if _, err := refresh(tok3.RefreshToken); !errors.As(err, &et) {
		t.Errorf("refresh after SessionTTL: got %v, want ExpiredTokenException", err)
	}
	if n := f.emu.Calls("sso-oidc:CreateToken/refresh_token"); n != 2 {
		t.Errorf("refresh grants = %d, want 2", n)
	}
}

func TestSSOLogoutAndRevoke(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{})
	ctx := t.Context()
	reg := register(t, f, nil)
	tok := deviceSignIn(t, f, reg)
	if _, err := f.portal().Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	var ue *ssotypes.UnauthorizedException
	_, err := f.portal().ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if !errors.As(err, &ue) {
		t.Errorf("after Logout: got %v, want UnauthorizedException", err)
	}
	var ig *oidctypes.InvalidGrantException
	_, err = f.oidc().CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken})
	if !errors.As(err, &ig) {
		t.Errorf("refresh after Logout: got %v, want InvalidGrantException", err)
	}
	if _, err := f.portal().Logout(ctx, &sso.LogoutInput{AccessToken: aws.String("aoa-unknown")}); !errors.As(err, &ue) {
		t.Errorf("Logout with an unknown token: got %v, want UnauthorizedException", err)
	}

	tok = deviceSignIn(t, f, reg)
	f.emu.RevokeSSOSessions()
	if _, err := f.portal().ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); !errors.As(err, &ue) {
		t.Errorf("after RevokeSSOSessions: got %v, want UnauthorizedException", err)
	}
}

func TestSSOPortalPaginationAndThrottling(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{Accounts: SSOAccounts(150, "Admin", "Developer")})
	ctx := t.Context()
	tok := deviceSignIn(t, f, register(t, f, nil))

	f.emu.ThrottleSSO(1)
	var tm *ssotypes.TooManyRequestsException
	_, err := f.portal().ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if !errors.As(err, &tm) {
		t.Fatalf("throttled: got %v, want TooManyRequestsException", err)
	}
	var resp interface{ HTTPStatusCode() int }
	if errors.As(err, &resp) && resp.HTTPStatusCode() != http.StatusTooManyRequests {
		t.Errorf("status = %d, want 429", resp.HTTPStatusCode())
	}

	// The SDK's standard retryer backs off on 429 and gets through.
	f.emu.ThrottleSSO(2)
	client := sso.New(sso.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.url)})
	pages := sso.NewListAccountsPaginator(client, &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(40)})
	seen := map[string]bool{}
	n := 0
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("page %d: %v", n, err)
		}
		n++
		for _, a := range p.AccountList {
			seen[aws.ToString(a.AccountId)] = true
		}
	}
	if len(seen) != 150 || n != 4 {
		t.Errorf("got %d distinct accounts in %d pages, want 150 in 4", len(seen), n)
	}
	if got := f.emu.Rejections("TooManyRequestsException"); got != 3 {
		t.Errorf("TooManyRequestsException rejections = %d, want 3", got)
	}
	roles, err := f.portal().ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken,
		AccountId: aws.String("100000000149"), MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(roles.RoleList) != 1 || aws.ToString(roles.RoleList[0].RoleName) != "Admin" || roles.NextToken == nil {
		t.Errorf("first roles page = %+v, next %v", roles.RoleList, roles.NextToken)
	}
	var ir *ssotypes.InvalidRequestException
	_, err = f.portal().ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken, NextToken: aws.String("garbage")})
	if !errors.As(err, &ir) {
		t.Errorf("bad next token: got %v, want InvalidRequestException", err)
	}
	_, err = f.portal().GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
		AccountId: aws.String("100000000001"), RoleName: aws.String("Owner")})
	if got := errorCode(t, err); got != "ForbiddenException" {
		t.Errorf("unassigned role: got %q, want ForbiddenException", got)
	}
}

// loopback is the client's redirect listener: it records what the browser
// brought back.
type loopback struct {
	srv   *httptest.Server
	query chan url.Values
}

func newLoopback(t *testing.T) *loopback {
	l := &loopback{query: make(chan url.Values, 1)}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/callback" {
			l.query <- r.URL.Query()
		}
		io.WriteString(w, "done")
	}))
	t.Cleanup(l.srv.Close)
	return l
}

func TestSSOAuthorizationCodePKCE(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{})
	ctx := t.Context()
	lb := newLoopback(t)
	reg := register(t, f, &ssooidc.RegisterClientInput{ClientName: aws.String("spin"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{grantAuthCode, grantRefresh},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(testStartURL)})
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	sum := sha256.Sum256([]byte(verifier))
	redirect := lb.srv.URL + "/oauth/callback"
	authURL := f.url + "/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {redirect},
		"state": {"st8"}, "code_challenge_method": {"S256"}, "scopes": {"sso:account:access"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
	}.Encode()

	// Without auto-approve the page asks; a denial goes back to the client.
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `value="deny"`) {
		t.Fatalf("consent page: status %d, body %q", resp.StatusCode, page)
	}
	form, _ := url.ParseQuery(strings.SplitN(authURL, "?", 2)[1])
	form.Set("decision", "deny")
	resp, err = http.PostForm(f.url+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if q := <-lb.query; q.Get("error") != "access_denied" || q.Get("state") != "st8" {
		t.Errorf("denied redirect query = %v", q)
	}

	f.emu.SetSSOAutoApprove(true)
	resp, err = http.Get(authURL) // follows the redirect to the loopback listener
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	q := <-lb.query
	if q.Get("state") != "st8" || q.Get("code") == "" {
		t.Fatalf("redirect query = %v, want code and state st8", q)
	}
	exchange := func(code, verifier string) (*ssooidc.CreateTokenOutput, error) {
		return f.oidc().CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(grantAuthCode), Code: aws.String(code), RedirectUri: aws.String(redirect),
			CodeVerifier: aws.String(verifier)})
	}
	var ig *oidctypes.InvalidGrantException
	if _, err := exchange(q.Get("code"), strings.Repeat("x", 43)); !errors.As(err, &ig) {
		t.Errorf("wrong verifier: got %v, want InvalidGrantException", err)
	}
	if _, err := exchange(q.Get("code"), verifier); !errors.As(err, &ig) {
		t.Errorf("code reused after a failed exchange: got %v, want InvalidGrantException", err)
	}
	resp, err = http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok, err := exchange((<-lb.query).Get("code"), verifier)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	if tok.RefreshToken == nil {
		t.Errorf("no refresh token for a client registered with scopes")
	}
	accts, err := f.portal().ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || len(accts.AccountList) != 1 {
		t.Errorf("ListAccounts with the code-flow token: %v, %v", accts, err)
	}
	// The device grant is not one this client registered for.
	_, err = f.oidc().StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(testStartURL)})
	var uc *oidctypes.UnauthorizedClientException
	if !errors.As(err, &uc) {
		t.Errorf("device flow on an auth-code client: got %v, want UnauthorizedClientException", err)
	}
}

func TestSSODevicePageAutoApprove(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{})
	reg := register(t, f, nil)
	dev, err := f.oidc().StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(testStartURL)})
	if err != nil {
		t.Fatal(err)
	}
	f.emu.SetSSOAutoApprove(true)
	resp, err := http.Get(aws.ToString(dev.VerificationUriComplete))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Request approved") {
		t.Errorf("verification page = %q", body)
	}
	if len(f.emu.PendingUserCodes()) != 0 {
		t.Errorf("code still pending after the verification page approved it")
	}
	if _, err := f.oidc().CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(grantDeviceCode), DeviceCode: dev.DeviceCode}); err != nil {
		t.Errorf("CreateToken after approval: %v", err)
	}
}

// TestSSOCredsProvider: aws-sdk-go-v2's config loader and ssocreds
// provider, given only a shared config file and the token cache `aws sso
// login` leaves, refresh the expired access token at the emulator, get
// role credentials and call its STS with them.
func TestSSOCredsProvider(t *testing.T) {
	f := newSSOFixture(t, SSOConfig{})
	reg := register(t, f, nil)
	tok := deviceSignIn(t, f, reg)
	legacy := deviceSignIn(t, f, register(t, f, &ssooidc.RegisterClientInput{
		ClientName: aws.String("legacy"), ClientType: aws.String("public")}))
	if legacy.RefreshToken != nil {
		t.Errorf("client registered without scopes got a refresh token")
	}

	home := t.TempDir()
	for _, kv := range [][2]string{{"HOME", home}, {"AWS_ENDPOINT_URL_SSO", f.url}, {"AWS_ENDPOINT_URL_SSO_OIDC", f.url},
		{"AWS_ENDPOINT_URL_STS", f.url}, {"AWS_PROFILE", ""}, {"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""},
		{"AWS_SESSION_TOKEN", ""}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI", ""}, {"AWS_EC2_METADATA_DISABLED", "true"}} {
		t.Setenv(kv[0], kv[1])
	}
	cfgPath := writeFile(t, home, ".aws/config", `[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = us-east-1

[sso-session corp]
sso_start_url = `+testStartURL+`
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile old]
sso_start_url = `+testStartURL+`
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-east-1
`)
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	cacheFile := func(key string) string {
		return ".aws/sso/cache/" + sha1hex(key) + ".json"
	}
	// The access token expired a minute ago; the refresh token is good.
	sessionCache := writeFile(t, home, cacheFile("corp"), `{"startUrl":"`+testStartURL+`","region":"us-east-1",`+
		`"accessToken":"`+aws.ToString(tok.AccessToken)+`","expiresAt":"`+rfc(time.Now().Add(-time.Minute))+`",`+
		`"clientId":"`+aws.ToString(reg.ClientId)+`","clientSecret":"`+aws.ToString(reg.ClientSecret)+`",`+
		`"registrationExpiresAt":"`+rfc(time.Unix(reg.ClientSecretExpiresAt, 0))+`","refreshToken":"`+aws.ToString(tok.RefreshToken)+`"}`)
	writeFile(t, home, cacheFile(testStartURL), `{"startUrl":"`+testStartURL+`","region":"us-east-1",`+
		`"accessToken":"`+aws.ToString(legacy.AccessToken)+`","expiresAt":"`+rfc(time.Now().Add(time.Hour))+`"}`)

	for _, tc := range []struct{ profile, role string }{{"dev", "Developer"}, {"old", "ReadOnly"}} {
		cfg, err := config.LoadDefaultConfig(t.Context(), config.WithSharedConfigFiles([]string{cfgPath}),
			config.WithSharedCredentialsFiles([]string{filepath.Join(home, "none")}), config.WithSharedConfigProfile(tc.profile))
		if err != nil {
			t.Fatalf("%s: LoadDefaultConfig: %v", tc.profile, err)
		}
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("%s: GetCallerIdentity: %v", tc.profile, err)
		}
		want := "arn:aws:sts::111122223333:assumed-role/" + ReservedSSORoleName("111122223333", tc.role) + "/alice@example.com"
		if aws.ToString(id.Arn) != want {
			t.Errorf("%s: ARN = %s, want %s", tc.profile, aws.ToString(id.Arn), want)
		}
	}
	if n := f.emu.Calls("sso-oidc:CreateToken/refresh_token"); n != 1 {
		t.Errorf("refresh grants = %d, want 1", n)
	}
	if n := f.emu.Calls("sso:GetRoleCredentials"); n != 2 {
		t.Errorf("GetRoleCredentials calls = %d, want 2", n)
	}
	data, err := os.ReadFile(sessionCache)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), aws.ToString(tok.AccessToken)) {
		t.Errorf("the SDK did not write the refreshed token back to its cache")
	}
}

func writeFile(t *testing.T, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
