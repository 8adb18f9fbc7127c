package awslogin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudspin/spin/internal/awsemu"
)

const redirect = "http://127.0.0.1:43111/oauth/callback"

func setup(t *testing.T) (*awsemu.Emulator, *Client) {
	t.Helper()
	emu := awsemu.New(awsemu.Options{})
	emu.SetSigninUser(awsemu.Key{UserName: "dana", Account: "111122223333"})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, &Client{Region: "us-east-1", Endpoint: srv.URL}
}

var browser = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// approve plays the browser: open the authorize URL and return the code
// and state of the redirect to the loopback callback.
func approve(t *testing.T, authorizeURL string) (code, state string) {
	t.Helper()
	resp, err := browser.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: got %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func signIn(t *testing.T, c *Client) *Session {
	t.Helper()
	f, u, err := c.Start(t.Context(), redirect)
	if err != nil {
		t.Fatal(err)
	}
	code, state := approve(t, u)
	s, err := c.Exchange(t.Context(), f, code, state)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return s
}

func callerARN(t *testing.T, endpoint string, s *Session) string {
	t.Helper()
	c := s.Credentials
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey.Reveal(), c.SessionToken.Reveal())})
	out, err := client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with console credentials: %v", err)
	}
	return aws.ToString(out.Arn)
}

func TestSignInAndRefresh(t *testing.T) {
	emu, c := setup(t)
	emu.SetSigninLifetimes(20*time.Second, 0)
	s := signIn(t, c)
	const user = "arn:aws:iam::111122223333:user/dana"
	if s.ARN != user || s.AccountID != "111122223333" || s.ClientID != SameDeviceClient {
		t.Errorf("got session %s account %s client %s", s.ARN, s.AccountID, s.ClientID)
	}
	if d := time.Until(s.Credentials.Expiration); d < 18*time.Second || d > 20*time.Second {
		t.Errorf("console credentials expire in %v, want about 20s", d)
	}
	if got := callerARN(t, c.Endpoint, s); got != user {
		t.Errorf("got %s, want %s", got, user)
	}
	first := s.Credentials.AccessKeyID
	for range 3 {
		if err := c.Refresh(t.Context(), s); err != nil {
			t.Fatalf("Refresh: %v", err)
		}
	}
	if s.Credentials.AccessKeyID == first {
		t.Error("refresh kept the old credentials")
	}
	if got := callerARN(t, c.Endpoint, s); got != user {
		t.Errorf("after refresh: got %s", got)
	}
	if got := emu.Calls("signin:refresh_token"); got != 3 {
		t.Errorf("got %d refresh calls, want 3", got)
	}
	if got := emu.Rejections("signin:dpop"); got != 0 {
		t.Errorf("got %d refused proofs", got)
	}
}

func TestCrossDevicePastedCode(t *testing.T) {
	_, c := setup(t)
	f, u, err := c.Start(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if f.ClientID != CrossDeviceClient || f.RedirectURI != c.Endpoint+confirmationPath {
		t.Fatalf("got client %s redirect %s", f.ClientID, f.RedirectURI)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(u) // follows to the confirmation page
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pasted, ok := awsemu.VerificationCode(page)
	if !ok {
		t.Fatalf("no code on the page:\n%s", page)
	}
	code, state, err := ParsePastedCode(" " + pasted + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exchange(t.Context(), f, code, state); err != nil {
		t.Fatalf("Exchange of the pasted code: %v", err)
	}
	if _, _, err := ParsePastedCode("not-the-code"); err == nil {
		t.Error("a garbled paste was accepted")
	}
}

func TestExchangeRefusesAnotherState(t *testing.T) {
	emu, c := setup(t)
	f, u, err := c.Start(t.Context(), redirect)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := approve(t, u)
	if _, err := c.Exchange(t.Context(), f, code, "forged"); err == nil || !strings.Contains(err.Error(), "state mismatch") {
		t.Fatalf("got %v, want a state mismatch", err)
	}
	if got := emu.Calls("signin:authorization_code"); got != 0 {
		t.Errorf("a forged answer reached Sign-In (%d calls)", got)
	}
}

func TestSessionEnds(t *testing.T) {
	tests := []struct {
		name   string
		end    func(*awsemu.Emulator)
		code   string
		signin bool
	}{
		{"expired", (*awsemu.Emulator).ExpireSigninSessions, CodeTokenExpired, true},
		{"password changed", (*awsemu.Emulator).RevokeSigninSessions, CodeUserCredentialsChanged, true},
		{"no permission", func(e *awsemu.Emulator) { e.SetSigninDenied(true) }, CodeInsufficientPermissions, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, c := setup(t)
			s := signIn(t, c)
			tt.end(emu)
			err := c.Refresh(t.Context(), s)
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("got %v, want Sign-In error %s", err, tt.code)
			}
			if got := NeedsSignin(err); got != tt.signin {
				t.Errorf("NeedsSignin = %t, want %t", got, tt.signin)
			}
		})
	}
}

func TestKeyringItemRoundTrip(t *testing.T) {
	_, c := setup(t)
	s := signIn(t, c)
	blob, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%v %+v", blob, s); strings.Contains(got, s.RefreshToken.Reveal()) || strings.Contains(got, "PRIVATE") {
		t.Fatalf("a session printed its secrets: %s", got)
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "key", s.Key, "session", s)
	if strings.Contains(logged.String(), s.RefreshToken.Reveal()) {
		t.Fatalf("a session logged its refresh token: %s", logged.String())
	}
	back, err := Unmarshal(blob)
	if err != nil {
		t.Fatal(err)
	}
	if back.Key.Thumbprint() != s.Key.Thumbprint() || back.ARN != s.ARN || !back.RefreshToken.Equal(s.RefreshToken) {
		t.Fatal("the restored session differs")
	}
	// The restored key still proves possession: the refresh works.
	if err := c.Refresh(t.Context(), back); err != nil {
		t.Fatalf("refresh with the restored session: %v", err)
	}
}

// TestImportAWSCLICacheFile reads a cache file as `aws login` writes it
// (SEC 1 PEM key, padded expiresAt) and refreshes with it.
func TestImportAWSCLICacheFile(t *testing.T) {
	emu, c := setup(t)
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rt, session := emu.NewSigninSession(&priv.PublicKey, SameDeviceClient)
	der, _ := x509.MarshalECPrivateKey(priv)
	file, _ := json.Marshal(map[string]any{
		"accessToken": map[string]string{"accessKeyId": "ASIAOLD", "secretAccessKey": "old", "sessionToken": "old",
			"accountId": "111122223333", "expiresAt": "2020-01-01T00:00:00Z"},
		"tokenType": "aws_sigv4", "clientId": SameDeviceClient, "refreshToken": rt,
		"idToken": "eyJhbGciOiJFUzM4NCJ9.e30.sig",
		"dpopKey": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
	})
	s, err := ParseCacheFile(file, session)
	if err != nil {
		t.Fatal(err)
	}
	if s.ARN != session || s.AccountID != "111122223333" {
		t.Errorf("got session %s account %s", s.ARN, s.AccountID)
	}
	if err := c.Refresh(t.Context(), s); err != nil {
		t.Fatalf("refresh with the imported session: %v", err)
	}
	if got := callerARN(t, c.Endpoint, s); got != session {
		t.Errorf("got %s, want %s", got, session)
	}
	for _, bad := range []string{`{}`, `{"refreshToken":"x","clientId":"c","dpopKey":"nope"}`, `[`} {
		if _, err := ParseCacheFile([]byte(bad), session); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestDefaultEndpoint(t *testing.T) {
	c := &Client{Region: "eu-west-1"}
	got, err := c.Base(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got != "https://eu-west-1.signin.aws.amazon.com" {
		t.Errorf("got %s", got)
	}
}
