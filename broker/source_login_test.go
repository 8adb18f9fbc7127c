package broker

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
)

// The login source against the emulator's real Sign-In and STS: spind's
// own DPoP proofs, PKCE and refreshes, checked by the emulator.

// memSourceKeys is memKeys with the per-source items login sessions use.
type memSourceKeys struct {
	memKeys
	items map[string]string
}

func (m *memSourceKeys) PutSource(_ context.Context, name string, data secret.String) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[name] = data.Reveal()
	return nil
}

func (m *memSourceKeys) GetSource(_ context.Context, name string) (secret.String, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[name]
	if !ok {
		return secret.String{}, keystore.ErrNotFound
	}
	return secret.New(v), nil
}

func (m *memSourceKeys) RemoveSource(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, name)
	return nil
}

const loginConfig = `keyring:
  backend: secret-service
sources:
  me:
    login: {region: us-east-1}
profiles:
  ops:
    source: me
    role_arn: arn:aws:iam::444455556666:role/ops
    role_session_name: fixed
    duration: 30s
    min_validity: 5s
  console:
    source: me
    min_validity: 5s
`

type loginFixture struct {
	emu  *awsemu.Emulator
	url  string
	keys *memSourceKeys
	conf string
	b    *Broker
	h    http.Handler
}

func newLoginFixture(t *testing.T) *loginFixture {
	t.Helper()
	emu := awsemu.New(awsemu.Options{})
	emu.SetSigninUser(awsemu.Key{UserName: "erin", Account: "111122223333"})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	conf := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(conf, []byte(loginConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &loginFixture{emu: emu, url: srv.URL, conf: conf,
		keys: &memSourceKeys{memKeys: memKeys{sets: map[string]keystore.KeySet{}}, items: map[string]string{}}}
	f.start(t)
	return f
}

// start (re)starts spind on the same keyring, as a restart would.
func (f *loginFixture) start(t *testing.T) {
	f.b = New(Config{
		ConfigPath: f.conf,
		OpenKeys:   func(keystore.Config) (Keys, error) { return f.keys, nil },
		STS:        &SDKSTS{Endpoint: f.url, MaxAttempts: 1},
		Net:        awsnet.Config{Endpoints: awsnet.Endpoints{awsnet.Signin: f.url, awsnet.STS: f.url}},
	})
	t.Cleanup(f.b.Close)
	f.h = f.b.Handler()
}

func (f *loginFixture) do(t *testing.T, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body != nil {
		b, _ := json.Marshal(body)
		r = httptest.NewRequest(method, path, bytes.NewReader(b))
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, r)
	return rec
}

func (f *loginFixture) creds(t *testing.T, profile string) (api.Credentials, *api.Error) {
	t.Helper()
	rec := f.do(t, http.MethodGet, "/v1/credentials/"+profile, nil)
	if rec.Code != http.StatusOK {
		var e api.Error
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		return api.Credentials{}, &e
	}
	c, err := api.DecodeProcessJSON(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return c, nil
}

// login does what `spin login me` does, the test playing the browser.
func (f *loginFixture) login(t *testing.T) {
	t.Helper()
	rec := f.do(t, http.MethodPost, "/v1/signin/me", api.SigninStart{Mode: api.SigninBrowser, RedirectURI: "http://127.0.0.1:45678/oauth/callback"})
	var start api.SigninFlow
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &start) != nil {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(start.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("state") != start.State {
		t.Fatalf("the redirect's state %q is not the flow's %q", loc.Query().Get("state"), start.State)
	}
	rec = f.do(t, http.MethodPost, "/v1/signin/me/complete",
		api.SigninComplete{Code: loc.Query().Get("code"), State: loc.Query().Get("state")})
	if rec.Code != http.StatusOK {
		t.Fatalf("complete: %d %s", rec.Code, rec.Body)
	}
}

func (f *loginFixture) callerARN(t *testing.T, c api.Credentials) (string, error) {
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.url), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey.Reveal(), c.SessionToken.Reveal())})
	out, err := client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Arn), nil
}

func TestLoginSourceSignInRoleAndConsole(t *testing.T) {
	f := newLoginFixture(t)
	_, aerr := f.creds(t, "ops")
	if aerr == nil || aerr.Code != api.CodeSigninRequired || aerr.Source != "me" || aerr.Hint != "run 'spin login me'" {
		t.Fatalf("before sign-in: got %+v, want signin_required naming source me", aerr)
	}
	f.login(t)
	const user = "arn:aws:iam::111122223333:user/erin"
	ops, aerr := f.creds(t, "ops")
	if aerr != nil {
		t.Fatalf("ops after sign-in: %v", aerr)
	}
	if arn, err := f.callerARN(t, ops); err != nil || arn != "arn:aws:sts::444455556666:assumed-role/ops/fixed" {
		t.Errorf("ops: got %s %v", arn, err)
	}
	calls := f.emu.AssumeRoleCalls()
	if len(calls) != 1 || !strings.HasPrefix(calls[0].SourceAccessKeyID, "ASIA") || calls[0].DurationSeconds != 30 {
		t.Errorf("AssumeRole calls: %+v, want one with the console credentials", calls)
	}
	console, aerr := f.creds(t, "console")
	if aerr != nil {
		t.Fatalf("console: %v", aerr)
	}
	if arn, err := f.callerARN(t, console); err != nil || arn != user {
		t.Errorf("console: got %s %v, want the IAM user", arn, err)
	}
	if console.Expiration.IsZero() {
		t.Error("console credentials handed out without Expiration")
	}

	// status shows who is signed in and when to renew (12h after sign-in).
	var st api.Status
	if err := json.Unmarshal(f.do(t, http.MethodGet, "/v1/status", nil).Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Sources) != 1 || !st.Sources[0].SignedIn || st.Sources[0].Principal != user || st.Sources[0].Account != "111122223333" ||
		time.Until(st.Sources[0].RenewBy) < 11*time.Hour || st.Sources[0].Expires.IsZero() {
		t.Errorf("status sources = %+v", st.Sources)
	}

	// The keyring holds the session; a restarted spind uses it without a
	// sign-in, refreshing with the stored DPoP key.
	if len(f.keys.items["me"]) == 0 {
		t.Fatal("the login session is not in the keyring")
	}
	before := f.emu.Calls("signin:refresh_token")
	f.start(t)
	console2, aerr := f.creds(t, "console")
	if aerr != nil {
		t.Fatalf("after restart: %v", aerr)
	}
	if console2.AccessKeyID == console.AccessKeyID || f.emu.Calls("signin:refresh_token") != before+1 {
		t.Errorf("after restart: want one refresh with the stored session")
	}

	// spin lock forgets the session in memory: a new session needs the
	// keyring, which answers locked; after the unlock it is read again.
	if rec := f.do(t, http.MethodPost, "/v1/lock", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("lock: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(t, http.MethodGet, "/v1/credentials/ops?session_name=other", nil); rec.Code != http.StatusLocked {
		t.Errorf("a new session while locked: got %d %s, want 423", rec.Code, rec.Body)
	}
	if rec := f.do(t, http.MethodPost, "/v1/unlock", map[string]string{}); rec.Code/100 != 2 {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	if _, aerr := f.creds(t, "console"); aerr != nil {
		t.Fatalf("after unlock: %v", aerr)
	}

	// Logout forgets the session and the sessions made from it.
	if rec := f.do(t, http.MethodDelete, "/v1/signin/me", nil); rec.Code != http.StatusOK {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body)
	}
	if _, ok := f.keys.items["me"]; ok {
		t.Error("logout left the session in the keyring")
	}
	if _, aerr := f.creds(t, "ops"); aerr == nil || aerr.Code != api.CodeSigninRequired {
		t.Errorf("after logout: got %+v, want signin_required", aerr)
	}
}

func TestLoginSourceSessionEnds(t *testing.T) {
	tests := []struct {
		name     string
		end      func(*awsemu.Emulator)
		code     string
		contains string
	}{
		{"expired", (*awsemu.Emulator).ExpireSigninSessions, api.CodeSigninRequired, "console session has expired"},
		{"password changed", (*awsemu.Emulator).RevokeSigninSessions, api.CodeSigninRequired, "credentials changed"},
		{"no permission", func(e *awsemu.Emulator) { e.SetSigninDenied(true) }, api.CodeSTSFailed, "INSUFFICIENT_PERMISSIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLoginFixture(t)
			f.emu.SetSigninLifetimes(2*time.Second, 0)
			f.login(t)
			tt.end(f.emu)
			time.Sleep(1100 * time.Millisecond) // the console credentials are past half their life
			start := time.Now()
			_, aerr := f.creds(t, "console")
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("the answer took %v, want under 2s", took)
			}
			if aerr == nil || aerr.Code != tt.code || !strings.Contains(aerr.Message, tt.contains) {
				t.Fatalf("got %+v, want %s saying %q", aerr, tt.code, tt.contains)
			}
			if tt.code == api.CodeSigninRequired && aerr.Hint != "run 'spin login me'" {
				t.Errorf("got hint %q", aerr.Hint)
			}
			if tt.name == "no permission" {
				f.emu.SetSigninDenied(false)
			}
			// A new sign-in resumes without restarting spind.
			f.login(t)
			if _, aerr := f.creds(t, "console"); aerr != nil {
				t.Fatalf("after signing in again: %v", aerr)
			}
		})
	}
}

// TestLoginRefreshOnceForManyCallers: 100 parallel callers right after the
// console credentials expired make one refresh.
func TestLoginRefreshOnceForManyCallers(t *testing.T) {
	f := newLoginFixture(t)
	f.emu.SetSigninLifetimes(6*time.Second, 0)
	f.login(t)
	// Nobody asks until the console credentials (6s) have expired, so no
	// refresh ahead runs either.
	time.Sleep(6200 * time.Millisecond)
	before := f.emu.Calls("signin:refresh_token")
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, aerr := f.creds(t, "console")
			if aerr != nil {
				errs <- aerr.Message
				return
			}
			if !c.Expiration.After(time.Now()) {
				errs <- "expired credentials handed out"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := f.emu.Calls("signin:refresh_token") - before; got != 1 {
		t.Errorf("got %d refreshes for 100 callers, want 1", got)
	}
}

// A console sign-in started while spind is locked could not be kept: the
// keyring refuses the session, which would last only until spind stops.
// It is refused at the start, as an sso source's is, before the browser.
func TestLoginSigninWhileLockedRefusedAtStart(t *testing.T) {
	f := newLoginFixture(t)
	if rec := f.do(t, http.MethodPost, "/v1/lock", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("lock: %d %s", rec.Code, rec.Body)
	}
	rec := f.do(t, http.MethodPost, "/v1/signin/me", api.SigninStart{Mode: api.SigninBrowser, RedirectURI: "http://127.0.0.1:45678/oauth/callback"})
	var e api.Error
	if rec.Code != http.StatusLocked || json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.Contains(e.Hint, "spin unlock") {
		t.Errorf("sign-in start while locked: %d %s, want 423 with the 'spin unlock' hint", rec.Code, rec.Body)
	}
}
