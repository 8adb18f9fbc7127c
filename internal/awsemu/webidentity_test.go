package awsemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
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
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
)

const ciRole = "arn:aws:iam::444455556666:role/deploy"

type oidcFixture struct {
	*fixture
	iss *Issuer
}

// newOIDCFixture is an emulator that trusts an issuer for sts.amazonaws.com,
// and a role that trusts pushes to cloudspin/spin's main branch.
func newOIDCFixture(t *testing.T) *oidcFixture {
	t.Helper()
	f := newFixture(t)
	iss, err := NewIssuer(f.clock.Now, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss)
	t.Cleanup(srv.Close)
	iss.SetURL(srv.URL)
	f.emu.AddOIDCProvider(OIDCProvider{URL: srv.URL, ClientIDs: []string{"sts.amazonaws.com"}})
	f.emu.TrustWebIdentity(WebIdentityTrust{RoleARN: ciRole, Federated: srv.URL,
		Subjects: []string{"repo:cloudspin/spin:ref:refs/heads/main", "repo:cloudspin/spin:pull_request"}, Audience: "sts.amazonaws.com"})
	return &oidcFixture{fixture: f, iss: iss}
}

// anonClient is an STS client without credentials: the SDK sends
// AssumeRoleWithWebIdentity unsigned.
func (f *oidcFixture) anonClient() *sts.Client {
	return sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(f.url), Retryer: aws.NopRetryer{}})
}

// gitHubToken gets a token the way GitHub's toolkit does.
func (f *oidcFixture) gitHubToken(t *testing.T, audience string) string {
	t.Helper()
	reqURL, reqToken := f.iss.GitHubRequest()
	req, _ := http.NewRequest(http.MethodGet, reqURL+"&audience="+url.QueryEscape(audience), nil)
	req.Header.Set("Authorization", "Bearer "+reqToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Value string }
	if err := decodeJSON(resp, &body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("token endpoint: %s %v", resp.Status, err)
	}
	return body.Value
}

func TestSDKWebIdentityProviderGetsRoleSession(t *testing.T) {
	f := newOIDCFixture(t)
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(f.gitHubToken(t, "sts.amazonaws.com")), 0o600); err != nil {
		t.Fatal(err)
	}
	// aws-sdk-go-v2's own provider, as EKS pods and the SDK's
	// AWS_WEB_IDENTITY_TOKEN_FILE support use it.
	prov := stscreds.NewWebIdentityRoleProvider(f.anonClient(), ciRole, stscreds.IdentityTokenFile(path),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = "gh-run-9876543210" })
	creds, err := aws.NewCredentialsCache(prov).Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || creds.AccountID != "444455556666" || !creds.CanExpire {
		t.Errorf("got %s account %q expiring %v, want an ASIA session in the role's account", creds.AccessKeyID, creds.AccountID, creds.CanExpire)
	}
	// The session works against the emulator's signed APIs.
	out, err := f.client(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::444455556666:assumed-role/deploy/gh-run-9876543210"; aws.ToString(out.Arn) != want {
		t.Errorf("caller %s, want %s", aws.ToString(out.Arn), want)
	}
	calls := f.emu.WebIdentityCalls()
	if len(calls) != 1 || calls[0].Subject != "repo:cloudspin/spin:ref:refs/heads/main" || calls[0].TokenID == "" {
		t.Errorf("calls = %+v, want one for main's sub with the token's jti", calls)
	}
	if f.iss.JWKSFetches() != 1 || f.iss.MintedFor("sts.amazonaws.com") != 1 {
		t.Errorf("jwks fetches %d, minted %d; want 1 and 1", f.iss.JWKSFetches(), f.iss.MintedFor("sts.amazonaws.com"))
	}
}

func TestWebIdentityRejections(t *testing.T) {
	f := newOIDCFixture(t)
	other, err := NewIssuer(f.clock.Now, time.Minute) // same URL, another key: a forged token
	if err != nil {
		t.Fatal(err)
	}
	other.SetURL(f.iss.URL())
	gh := func(sub string) Claims {
		return Claims{"sub": sub, "aud": "sts.amazonaws.com", "repository": "cloudspin/spin"}
	}
	main := "repo:cloudspin/spin:ref:refs/heads/main"
	unknownIss, _ := NewIssuer(nil, time.Minute)
	unknownIss.SetURL("https://token.example.com")
	tests := []struct {
		name, token, role string
		code, message     string
	}{
		{"wrong audience", f.gitHubToken(t, "https://github.com/cloudspin"), ciRole, "InvalidIdentityToken", "Incorrect token audience"},
		{"expired", f.iss.Mint(Claims{"sub": main, "aud": "sts.amazonaws.com", "iat": f.clock.Now().Add(-10 * time.Minute).Unix(),
			"exp": f.clock.Now().Add(-time.Minute).Unix()}), ciRole, "ExpiredTokenException", "Token expired: current date/time"},
		{"untrusted sub", f.iss.Mint(gh("repo:cloudspin/spin:ref:refs/heads/feature")), ciRole, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"untrusted repository", f.iss.Mint(gh("repo:mallory/spin:ref:refs/heads/main")), ciRole, "AccessDenied", "Not authorized"},
		{"role without trust", f.iss.Mint(gh(main)), "arn:aws:iam::444455556666:role/other", "AccessDenied", "Not authorized"},
		{"key the provider does not publish", other.Mint(gh(main)), ciRole, "InvalidIdentityToken", "which the provider does not publish"},
		{"tampered claims", tamper(t, f.iss.Mint(gh("repo:cloudspin/spin:ref:refs/heads/feature")), main), ciRole, "InvalidIdentityToken", "signature could not be verified"},
		{"unknown provider", unknownIss.Mint(gh(main)), ciRole, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.example.com"},
		{"not yet valid", f.iss.Mint(Claims{"sub": main, "aud": "sts.amazonaws.com", "nbf": f.clock.Now().Add(time.Hour).Unix()}), ciRole, "IDPRejectedClaim", "not valid yet"},
		{"not a JWT", "an-access-token", ciRole, "InvalidIdentityToken", "not a valid JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.anonClient().AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
				RoleArn: aws.String(tt.role), RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(tt.token)})
			if code := errorCode(t, err); code != tt.code || !strings.Contains(errorMessage(err), tt.message) {
				t.Errorf("got %s %q, want %s containing %q", code, errorMessage(err), tt.code, tt.message)
			}
		})
	}
	if n := len(f.emu.WebIdentityCalls()); n != 0 {
		t.Errorf("%d sessions issued for bad tokens", n)
	}
}

func TestWebIdentityXMLShapes(t *testing.T) {
	f := newOIDCFixture(t)
	form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {ciRole},
		"RoleSessionName": {"ci"}, "WebIdentityToken": {f.gitHubToken(t, "https://github.com/cloudspin")}}
	resp, err := http.Post(f.url+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 400 || !strings.Contains(body, "<Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message>") {
		t.Errorf("got %d %s, want AWS's ErrorResponse for InvalidIdentityToken", resp.StatusCode, body)
	}
	form.Set("WebIdentityToken", f.gitHubToken(t, "sts.amazonaws.com"))
	resp, err = http.Post(f.url+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, resp)
	for _, want := range []string{`<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`,
		"<SubjectFromWebIdentityToken>repo:cloudspin/spin:ref:refs/heads/main</SubjectFromWebIdentityToken>",
		"<Audience>sts.amazonaws.com</Audience>", "<Arn>arn:aws:sts::444455556666:assumed-role/deploy/ci</Arn>"} {
		if !strings.Contains(body, want) {
			t.Errorf("response lacks %s:\n%s", want, body)
		}
	}
}

func TestGitHubTokenEndpoint(t *testing.T) {
	f := newOIDCFixture(t)
	reqURL, _ := f.iss.GitHubRequest()
	resp, err := http.Get(reqURL + "&audience=sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the request token: %s, want 401", resp.Status)
	}
	tok := f.gitHubToken(t, "sts.amazonaws.com")
	claims := decodeClaims(t, tok)
	want := map[string]any{"sub": "repo:cloudspin/spin:ref:refs/heads/main", "aud": "sts.amazonaws.com", "iss": f.iss.URL(),
		"repository": "cloudspin/spin", "repository_owner": "cloudspin", "run_id": "9876543210", "ref": "refs/heads/main",
		"event_name": "push", "actor": "octocat", "runner_environment": "github-hosted"}
	got := map[string]any{}
	for k := range want {
		got[k] = claims[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 300 {
		t.Errorf("token lives %vs, want the configured 300s", exp-iat)
	}
}

// tamper rewrites a token's sub, keeping its signature.
func tamper(t *testing.T, tok, sub string) string {
	c := decodeClaims(t, tok)
	c["sub"] = sub
	b, _ := json.Marshal(c)
	parts := strings.Split(tok, ".")
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

func decodeClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	var c map[string]any
	if err := decodeJSONBytes(parts[1], &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeJSON(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

func decodeJSONBytes(b64 string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
