package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
)

const (
	keyID     = "AKIAIOSFODNN7EXAMPLE"
	keySecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// memKeys is an in-memory keyring.
type memKeys struct {
	mu   sync.Mutex
	sets map[string]keystore.KeySet
}

func (m *memKeys) Backend() string             { return "memory" }
func (m *memKeys) Check(context.Context) error { return nil }
func (m *memKeys) Put(_ context.Context, k keystore.KeySet) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sets[k.Name] = k
	return nil
}
func (m *memKeys) Get(_ context.Context, name string) (keystore.KeySet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.sets[name]
	if !ok {
		return k, fmt.Errorf("%s: %w", name, keystore.ErrNotFound)
	}
	return k, nil
}
func (m *memKeys) List(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for n := range m.sets {
		names = append(names, n)
	}
	return names, nil
}
func (m *memKeys) Remove(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sets[name]; !ok {
		return keystore.ErrNotFound
	}
	delete(m.sets, name)
	return nil
}

// fakeSTS issues sessions of the requested duration from now(), or fails.
type fakeSTS struct {
	now      func() time.Time
	delay    time.Duration
	calls    atomic.Int32
	mfaCalls atomic.Int32
	fail     atomic.Pointer[error]
	names    sync.Map
}

func (f *fakeSTS) AssumeRole(ctx context.Context, caller api.Credentials, in AssumeRoleInput) (api.Credentials, error) {
	n := f.calls.Add(1)
	f.names.Store(in.SessionName, true)
	time.Sleep(f.delay)
	if e := f.fail.Load(); e != nil {
		return api.Credentials{}, *e
	}
	if (caller.AccessKeyID != keyID || caller.SecretAccessKey.Reveal() != keySecret) && caller.AccessKeyID != "ASIAMFASESSION000001" {
		return api.Credentials{}, errors.New("fake STS got the wrong caller keys")
	}
	return api.Credentials{
		AccessKeyID:     fmt.Sprintf("ASIAFAKE%012d", n),
		SecretAccessKey: secret.New("s"),
		SessionToken:    secret.New("t"),
		Expiration:      f.now().Add(in.Duration),
	}, nil
}

func (f *fakeSTS) GetSessionToken(ctx context.Context, caller api.Credentials, in SessionTokenInput) (api.Credentials, error) {
	f.mfaCalls.Add(1)
	if in.TokenCode != "123456" || in.SerialNumber == "" {
		return api.Credentials{}, &smithy.GenericAPIError{Code: "AccessDenied", Message: "MultiFactorAuthentication failed with invalid MFA one time pass code."}
	}
	return api.Credentials{AccessKeyID: "ASIAMFASESSION000001", SecretAccessKey: secret.New("ms"),
		SessionToken: secret.New("mt"), Expiration: f.now().Add(in.Duration)}, nil
}

// plainFileKeys hands the passphrase through as the key: the fixture's
// keyring is memKeys, which needs none; keystore tests the real KDF.
type plainFileKeys struct{}

func (plainFileKeys) State(string) (keystore.FileState, error) { return keystore.FileKDFReady, nil }
func (plainFileKeys) Unlock(_ string, p secret.String) (secret.String, error) {
	return p, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	b    *Broker
	sts  *fakeSTS
	keys *memKeys
	conf string
	h    http.Handler
}

func newFixture(t testing.TB, config string, now func() time.Time) *fixture {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := &memKeys{sets: map[string]keystore.KeySet{
		"user": {Name: "user", AccessKeyID: keyID, SecretAccessKey: secret.New(keySecret)},
	}}
	f := &fixture{keys: keys, conf: conf, sts: &fakeSTS{now: now}}
	f.b = New(Config{
		ConfigPath: conf,
		OpenKeys:   func(keystore.Config) (Keys, error) { return keys, nil },
		FileKeys:   plainFileKeys{},
		STS:        f.sts,
		Now:        now,
	})
	t.Cleanup(f.b.Close)
	f.h = f.b.Handler()
	return f
}

const basicConfig = `keyring:
  backend: secret-service
profiles:
  p:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
    role_session_name: fixed
  boot:
    source: user
  nokeys:
    source: ghost
    role_arn: arn:aws:iam::123456789012:role/r
`

func (f *fixture) get(t testing.TB, path string) (*httptest.ResponseRecorder, api.Credentials) {
	t.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		return rec, api.Credentials{}
	}
	c, err := api.DecodeProcessJSON(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rec, c
}

func TestOneSTSCallForConcurrentCallers(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	f.sts.delay = 100 * time.Millisecond
	var wg sync.WaitGroup
	ids := make(chan string, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, c := f.get(t, "/v1/credentials/p")
			if rec.Code != http.StatusOK {
				t.Errorf("status %d: %s", rec.Code, rec.Body)
			}
			ids <- c.AccessKeyID
		}()
	}
	wg.Wait()
	close(ids)
	for id := range ids {
		if id != "ASIAFAKE000000000001" {
			t.Errorf("caller got %q, want the one session", id)
		}
	}
	if n := f.sts.calls.Load(); n != 1 {
		t.Errorf("STS calls = %d, want 1", n)
	}
}

func TestMinValidityForcesNewSession(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, basicConfig, clk.Now)
	_, c1 := f.get(t, "/v1/credentials/p")
	if want := clk.Now().Add(time.Hour - 5*time.Second); !c1.Expiration.Equal(want) {
		t.Errorf("expiration %s, want %s (STS's minus the skew)", c1.Expiration, want)
	}
	clk.Add(30 * time.Minute)
	_, c2 := f.get(t, "/v1/credentials/p")
	if c2.AccessKeyID != c1.AccessKeyID || f.sts.calls.Load() != 1 {
		t.Errorf("after 30m: got %s with %d STS calls, want the cached session", c2.AccessKeyID, f.sts.calls.Load())
	}
	// 14m55s left on the handed-out expiry: under the 15m min_validity.
	clk.Add(15 * time.Minute)
	_, c3 := f.get(t, "/v1/credentials/p")
	if c3.AccessKeyID == c1.AccessKeyID || f.sts.calls.Load() != 2 {
		t.Errorf("with less than min_validity left: got %s with %d STS calls, want a new session", c3.AccessKeyID, f.sts.calls.Load())
	}
	if left := c3.Expiration.Sub(clk.Now()); left < 15*time.Minute {
		t.Errorf("handed out with %s left, want >= 15m", left)
	}
	st := f.status(t)
	if len(st.Sessions) != 1 || st.Sessions[0].CacheHits != 1 || st.Sessions[0].STSCalls != 2 {
		t.Errorf("status sessions = %+v, want one session with 1 hit and 2 STS calls", st.Sessions)
	}
}

func (f *fixture) status(t *testing.T) api.Status {
	t.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/status", nil))
	var st api.Status
	if err := json.NewDecoder(rec.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSTSFailureServesValidCachedSession(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, basicConfig, clk.Now)
	_, c1 := f.get(t, "/v1/credentials/p")
	var stsErr error = &smithy.GenericAPIError{Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match"}
	f.sts.fail.Store(&stsErr)

	clk.Add(50 * time.Minute) // under min_validity, still valid
	rec, c2 := f.get(t, "/v1/credentials/p")
	if rec.Code != http.StatusOK || c2.AccessKeyID != c1.AccessKeyID {
		t.Fatalf("STS down, session valid: status %d key %s, want the cached %s", rec.Code, c2.AccessKeyID, c1.AccessKeyID)
	}
	clk.Add(10 * time.Minute) // now expired
	rec, _ = f.get(t, "/v1/credentials/p")
	var e api.Error
	_ = json.NewDecoder(rec.Body).Decode(&e)
	if rec.Code != http.StatusBadGateway || !strings.Contains(e.Message, "key set user") ||
		!strings.Contains(e.Message, "SignatureDoesNotMatch") || e.Hint != "the secret of key set user is wrong: run 'spin keys add user --force'" {
		t.Errorf("got %d %+v, want 502 naming the key set, the STS code and the fix", rec.Code, e)
	}
}

// Refresh-ahead on a fake clock (testing/synctest): the sleeps below take
// no real time, and each check runs once every goroutine of the broker is
// idle again.
func TestRefreshAheadOnlyWhileUsed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, `profiles:
  p:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
    duration: 3s
    min_validity: 1s
`, time.Now)
		f.get(t, "/v1/credentials/p")
		// handed-out expiry 2.7s; refresh at 2.7-1-0.3 = 1.4s.
		time.Sleep(1300 * time.Millisecond)
		synctest.Wait()
		if n := f.sts.calls.Load(); n != 1 {
			t.Fatalf("STS calls after 1.3s = %d, want 1 (not yet the refresh point)", n)
		}
		time.Sleep(700 * time.Millisecond)
		synctest.Wait()
		if n := f.sts.calls.Load(); n != 2 {
			t.Fatalf("STS calls after 2s = %d, want 2 (one refresh ahead, no request waiting)", n)
		}
		// Nobody used the refreshed session: it is left to expire.
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if n := f.sts.calls.Load(); n != 2 {
			t.Errorf("STS calls for an idle profile = %d, want still 2", n)
		}
	})
}

func TestErrorsNameTheFix(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	tests := []struct {
		method, path, body string
		status             int
		code, inMessage    string
		hint               string
	}{
		{"GET", "/v1/credentials/nope", "", 404, api.CodeUnknownProfile, `unknown profile "nope"`, "spin profiles write"},
		{"GET", "/v1/credentials/nokeys", "", 404, api.CodeKeySetMissing, "key set ghost", "spin keys add ghost"},
		{"GET", "/v1/credentials/p?session_name=a%20b", "", 400, api.CodeBadRequest, "invalid session name", ""},
		{"PUT", "/v1/keys/k", "{not json", 400, api.CodeBadRequest, "malformed request body", ""},
		{"PUT", "/v1/keys/k", `{"access_key_id":"x","bogus":1}`, 400, api.CodeBadRequest, "malformed request body", ""},
		{"PUT", "/v1/keys/k", `{"access_key_id":"` + strings.Repeat("A", api.MaxRequestBody) + `"}`, 400, api.CodeBadRequest, "over", ""},
		{"PUT", "/v1/keys/k", `{"access_key_id":"ASIAIOSFODNN7EXAMPLE","secret_access_key":"` + keySecret + `"}`, 400, api.CodeBadRequest, "temporary", ""},
		{"PUT", "/v1/keys/user", `{"access_key_id":"` + keyID + `","secret_access_key":"` + strings.ToLower(keySecret) + `"}`, 409, api.CodeConflict, "already exists", "--force"},
		{"DELETE", "/v1/keys/ghost", "", 404, api.CodeNotFound, "no key set ghost", "spin keys list"},
		{"GET", "/v2/anything", "", 404, api.CodeNotFound, "no such endpoint", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path[:min(len(tt.path), 30)], func(t *testing.T) {
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			var e api.Error
			if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.status || e.Code != tt.code || !strings.Contains(e.Message, tt.inMessage) || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("got %d %+v, want %d %s with %q and hint %q", rec.Code, e, tt.status, tt.code, tt.inMessage, tt.hint)
			}
			if strings.Contains(e.Message+e.Hint, keySecret) {
				t.Errorf("error leaks the secret")
			}
		})
	}
	// Still serving after the bad requests.
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != 200 {
		t.Errorf("after bad requests: status %d", rec.Code)
	}
}

// Storing the key a key set already holds is no conflict (an import that
// finds its key already stored goes on), and replaces nothing.
func TestPutSameKeyIsNoConflict(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("PUT", "/v1/keys/user", strings.NewReader(`{"access_key_id":"`+keyID+`","secret_access_key":"`+keySecret+`"}`)))
	if rec.Code != http.StatusNoContent {
		t.Errorf("same key: status %d %s, want 204", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("PUT", "/v1/keys/user", strings.NewReader(`{"access_key_id":"`+keyID+`","secret_access_key":"`+keySecret+`","mfa_serial":"arn:aws:iam::123456789012:mfa/x"}`)))
	if rec.Code != http.StatusConflict {
		t.Errorf("same key, another mfa_serial: status %d, want 409", rec.Code)
	}
}

func TestConfigEditsApplyAndErrorsCarryPosition(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	bad := strings.Replace(basicConfig, "    role_session_name: fixed\n", "    role_sesion_name: fixed\n", 1)
	if err := os.WriteFile(f.conf, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	_ = os.Chtimes(f.conf, future, future)
	rec, _ := f.get(t, "/v1/credentials/p")
	var e api.Error
	_ = json.NewDecoder(rec.Body).Decode(&e)
	if want := f.conf + ":7:5:"; rec.Code != 500 || e.Code != api.CodeConfigInvalid || !strings.HasPrefix(e.Message, want) {
		t.Errorf("got %d %+v, want config_invalid starting %q", rec.Code, e, want)
	}
	// POST /v1/reload says the same, with a next step that exists.
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, api.PathReload, nil))
	e = api.Error{}
	_ = json.NewDecoder(rec.Body).Decode(&e)
	if rec.Code != 500 || e.Code != api.CodeConfigInvalid || e.Hint != "fix the file; spind re-reads it on the next request" {
		t.Errorf("reload: got %d %+v, want config_invalid with the fix", rec.Code, e)
	}
}

func TestLockedFileKeyring(t *testing.T) {
	f := newFixture(t, "keyring:\n  backend: file\nprofiles:\n  p:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n", time.Now)
	rec, _ := f.get(t, "/v1/credentials/p")
	var e api.Error
	_ = json.NewDecoder(rec.Body).Decode(&e)
	if rec.Code != http.StatusLocked || !strings.Contains(e.Hint, "spin unlock") {
		t.Errorf("got %d %+v, want 423 with the 'spin unlock' hint", rec.Code, e)
	}
	if st := f.status(t); !st.Locked {
		t.Errorf("status.Locked = false, want true")
	}
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/unlock", strings.NewReader(`{"passphrase":"pw"}`)))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != 200 {
		t.Errorf("after unlock: %d %s", rec.Code, rec.Body)
	}
}

func TestClearSessions(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	_, c1 := f.get(t, "/v1/credentials/p")
	f.get(t, "/v1/credentials/p?session_name=other")
	for _, tt := range []struct {
		path string
		want string
	}{{"/v1/sessions/p", `{"cleared":2}`}, {"/v1/sessions", `{"cleared":0}`}} { // an unknown profile: TestClearUnknownProfile
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, httptest.NewRequest("DELETE", tt.path, nil))
		if got := strings.TrimSpace(rec.Body.String()); got != tt.want {
			t.Errorf("DELETE %s = %s, want %s", tt.path, got, tt.want)
		}
	}
	_, c2 := f.get(t, "/v1/credentials/p")
	if c2.AccessKeyID == c1.AccessKeyID || f.sts.calls.Load() != 3 {
		t.Errorf("after clear got %s (%d STS calls), want a new session", c2.AccessKeyID, f.sts.calls.Load())
	}
}

// Raising min_validity in config.yaml applies to sessions already cached.
func TestMinValidityEditAppliesToCachedSession(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, basicConfig, clk.Now)
	_, c1 := f.get(t, "/v1/credentials/p")
	clk.Add(35 * time.Minute) // ~25m left: fine for the default 15m
	if _, c := f.get(t, "/v1/credentials/p"); c.AccessKeyID != c1.AccessKeyID {
		t.Fatalf("want the cached session at 25m left")
	}
	raised := strings.Replace(basicConfig, "profiles:\n", "defaults:\n  min_validity: 30m\nprofiles:\n", 1)
	if err := os.WriteFile(f.conf, []byte(raised), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	_ = os.Chtimes(f.conf, future, future)
	if _, c := f.get(t, "/v1/credentials/p"); c.AccessKeyID == c1.AccessKeyID {
		t.Errorf("min_validity raised to 30m, but a session with 25m left was handed out")
	}
}
