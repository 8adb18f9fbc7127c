package awssso

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/secret"
)

const startURL = "https://d-1234567890.awsapps.com/start"

// clock runs at real speed from an adjustable offset: the emulator and the
// source share it, and sleeping advances it instead of waiting.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// memStore is a keyring stand-in that keeps what a real one would.
type memStore struct {
	mu    sync.Mutex
	items map[string]string
	puts  int
}

func (m *memStore) PutSource(_ context.Context, name string, data secret.String) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[name] = data.Reveal()
	m.puts++
	return nil
}

func (m *memStore) GetSource(_ context.Context, name string) (secret.String, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return secret.New(m.items[name]), nil
}

func (m *memStore) RemoveSource(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, name)
	return nil
}

type fixture struct {
	emu   *awsemu.Emulator
	clock *clock
	store *memStore
	url   string
	slept []time.Duration
	mu    sync.Mutex
}

func newFixture(t *testing.T, cfg awsemu.SSOConfig) *fixture {
	t.Helper()
	f := &fixture{clock: &clock{}, store: &memStore{items: map[string]string{}}}
	f.emu = awsemu.New(awsemu.Options{Now: f.clock.Now})
	cfg.StartURL = startURL
	if cfg.User == "" {
		cfg.User = "alice"
	}
	cfg.Accounts = []awsemu.SSOAccount{{ID: "111122223333", Name: "dev", Roles: []string{"Developer"}}}
	f.emu.ConfigureSSO(cfg)
	srv := httptest.NewServer(f.emu)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fixture) source() *Source {
	return &Source{
		Name: "corp",
		Client: &Client{StartURL: startURL, Region: "us-east-1", Scopes: []string{"sso:account:access"},
			Route: func(string) (string, *http.Client, error) { return f.url, nil, nil }},
		Store: f.store,
		Now:   f.clock.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			f.slept = append(f.slept, d)
			f.mu.Unlock()
			f.clock.Advance(d)
			time.Sleep(2 * time.Millisecond) // a device code must not expire while the test approves
			return ctx.Err()
		},
	}
}

func deviceLogin(t *testing.T, f *fixture, s *Source) {
	t.Helper()
	info, err := s.StartDevice(t.Context())
	if err != nil {
		t.Fatalf("StartDevice: %v", err)
	}
	if err := f.emu.ApproveDevice(info.UserCode); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitDevice(t.Context()); err != nil {
		t.Fatalf("WaitDevice: %v", err)
	}
}

func TestDeviceSigninHonoursIntervalAndSlowDown(t *testing.T) {
	f := newFixture(t, awsemu.SSOConfig{DeviceInterval: 2 * time.Second})
	s := f.source()
	ctx := t.Context()
	if _, err := s.AccessToken(ctx); !errors.Is(err, ErrSigninRequired) {
		t.Fatalf("before sign-in: got %v, want ErrSigninRequired", err)
	}
	f.emu.SlowDownSSO(1)
	info, err := s.StartDevice(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.StartDevice(ctx)
	if err != nil || again.UserCode != info.UserCode {
		t.Errorf("second StartDevice: code %q, %v; want the same code %q", again.UserCode, err, info.UserCode)
	}
	// Let it poll a few times before the user approves.
	for f.emu.Rejections("AuthorizationPendingException") < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := f.emu.ApproveDevice(info.UserCode); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitDevice(ctx); err != nil {
		t.Fatalf("WaitDevice: %v", err)
	}
	if n := f.emu.Rejections("SlowDownException"); n != 1 {
		t.Errorf("SlowDownException = %d, want exactly the injected one (polling faster than the interval would add more)", n)
	}
	f.mu.Lock()
	if len(f.slept) < 3 || f.slept[0] != 2*time.Second || f.slept[1] != 7*time.Second {
		t.Errorf("poll intervals = %v, want 2s then 7s after slow_down", f.slept)
	}
	f.mu.Unlock()
	if n := f.emu.Calls("sso-oidc:RegisterClient"); n != 1 {
		t.Errorf("RegisterClient calls = %d, want 1", n)
	}
	creds, err := s.RoleCredentials(ctx, "111122223333", "Developer")
	if err != nil {
		t.Fatalf("RoleCredentials: %v", err)
	}
	if d := creds.Expiration.Sub(f.clock.Now()); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("role credentials expire in %v, want ~1h (epoch milliseconds read right)", d)
	}
	// A second device sign-in reuses the registration.
	deviceLogin(t, f, s)
	if n := f.emu.Calls("sso-oidc:RegisterClient"); n != 1 {
		t.Errorf("RegisterClient calls after a second sign-in = %d, want 1", n)
	}
}

func TestRefreshAheadAndSigninRequired(t *testing.T) {
	f := newFixture(t, awsemu.SSOConfig{AccessTokenTTL: time.Hour, SessionTTL: 3 * time.Hour})
	s := f.source()
	ctx := t.Context()
	deviceLogin(t, f, s)
	first, err := s.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(50 * time.Minute) // 10 minutes left: no refresh yet
	if tok, _ := s.AccessToken(ctx); !tok.Equal(first) {
		t.Errorf("token refreshed with 10 minutes left")
	}
	f.clock.Advance(6 * time.Minute) // under RefreshAhead
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.RoleCredentials(ctx, "111122223333", "Developer"); err != nil {
				t.Errorf("RoleCredentials: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := f.emu.Calls("sso-oidc:CreateToken/refresh_token"); n != 1 {
		t.Errorf("refresh grants for 20 callers = %d, want 1", n)
	}
	if st := s.Status(); !st.SignedIn || st.LastRefresh.IsZero() {
		t.Errorf("status = %+v, want signed in with a last refresh", st)
	}

	// A fresh Source (spind restarted) reads the keyring item and goes on.
	s2 := f.source()
	if _, err := s2.RoleCredentials(ctx, "111122223333", "Developer"); err != nil {
		t.Errorf("after restart: %v", err)
	}
	if n := f.emu.Calls("sso-oidc:CreateToken/refresh_token"); n != 1 {
		t.Errorf("refresh grants after restart = %d, want still 1", n)
	}

	// The sign-in ends; the refresh token is refused: a sign-in is needed.
	f.clock.Advance(3 * time.Hour)
	_, err = s2.RoleCredentials(ctx, "111122223333", "Developer")
	if !errors.Is(err, ErrSigninRequired) || !NeedsSignin(err) {
		t.Fatalf("after the sign-in ended: got %v, want ErrSigninRequired", err)
	}
	if ok, _ := s2.SignedIn(ctx); ok {
		t.Errorf("still signed in after the refresh token was refused")
	}
	if strings.Contains(f.store.items["corp"], "aor") {
		t.Errorf("the refused refresh token is still in the keyring item")
	}
	deviceLogin(t, f, s2)
	if _, err := s2.RoleCredentials(ctx, "111122223333", "Developer"); err != nil {
		t.Errorf("after a new sign-in: %v", err)
	}
}

func TestBrowserSigninAndLogout(t *testing.T) {
	f := newFixture(t, awsemu.SSOConfig{})
	f.emu.SetSSOAutoApprove(true)
	s := f.source()
	ctx := t.Context()
	codes := make(chan [2]string, 1)
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		codes <- [2]string{r.URL.Query().Get("state"), r.URL.Query().Get("code")}
	}))
	defer lb.Close()
	u, state, err := s.StartBrowser(ctx, lb.URL+"/oauth/callback")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u) // the "browser"
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := <-codes
	if got[0] != state {
		t.Fatalf("state back = %q, want %q", got[0], state)
	}
	if err := s.CompleteBrowser(ctx, "forged", got[1]); err == nil {
		t.Errorf("CompleteBrowser with a forged state succeeded")
	}
	if err := s.CompleteBrowser(ctx, state, got[1]); err != nil {
		t.Fatalf("CompleteBrowser: %v", err)
	}
	if _, err := s.RoleCredentials(ctx, "111122223333", "Developer"); err != nil {
		t.Fatalf("RoleCredentials: %v", err)
	}
	item := f.store.items["corp"]
	if !strings.Contains(item, `"refresh_token":"aor`) {
		t.Errorf("keyring item lacks the refresh token")
	}
	if err := s.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if n := f.emu.Calls("sso:Logout"); n != 1 {
		t.Errorf("portal Logout calls = %d, want 1", n)
	}
	if _, ok := f.store.items["corp"]; ok {
		t.Errorf("keyring item still there after logout")
	}
	if _, err := s.AccessToken(ctx); !errors.Is(err, ErrSigninRequired) {
		t.Errorf("after logout: got %v, want ErrSigninRequired", err)
	}
}

// A registration the service no longer knows (revoked, or another
// instance's) is replaced on the next device sign-in.
func TestDeviceSigninReRegisters(t *testing.T) {
	f := newFixture(t, awsemu.SSOConfig{})
	s := f.source()
	deviceLogin(t, f, s)
	f.emu.ConfigureSSO(awsemu.SSOConfig{StartURL: startURL, User: "alice",
		Accounts: []awsemu.SSOAccount{{ID: "111122223333", Roles: []string{"Developer"}}}})
	deviceLogin(t, f, s)
	if n := f.emu.Calls("sso-oidc:RegisterClient"); n != 2 {
		t.Errorf("RegisterClient calls = %d, want 2", n)
	}
	if _, err := s.RoleCredentials(t.Context(), "111122223333", "Developer"); err != nil {
		t.Errorf("after signing in with the new registration: %v", err)
	}
}

func TestDeviceDenied(t *testing.T) {
	f := newFixture(t, awsemu.SSOConfig{})
	s := f.source()
	info, err := s.StartDevice(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.emu.DenyDevice(info.UserCode); err != nil {
		t.Fatal(err)
	}
	err = s.WaitDevice(t.Context())
	if !NeedsSignin(err) || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Errorf("denied: got %v", err)
	}
	if st := s.Status(); st.SignedIn || st.Pending || st.LastError == "" {
		t.Errorf("status after denial = %+v", st)
	}
}

// A sign-in whose access token has expired (a laptop that slept) still
// holds a refresh token that AWS would honour for hours: Logout gets an
// access token with it first, so the portal ends the sign-in at AWS too.
func TestLogoutWithExpiredAccessTokenEndsTheSignin(t *testing.T) {
	f := newFixture(t, awsemu.SSOConfig{AccessTokenTTL: time.Hour, SessionTTL: 8 * time.Hour})
	s := f.source()
	ctx := t.Context()
	deviceLogin(t, f, s)
	item := f.store.items["corp"]
	f.clock.Advance(2 * time.Hour)
	if err := s.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if n := f.emu.Calls("sso:Logout"); n != 1 {
		t.Errorf("portal Logout calls = %d, want 1", n)
	}
	// A copy of the keyring item taken before the logout is worthless.
	f.store.items["corp"] = item
	if _, err := f.source().AccessToken(ctx); !errors.Is(err, ErrSigninRequired) {
		t.Errorf("the refresh token after logout: got %v, want ErrSigninRequired", err)
	}
}

// spin logout while a device sign-in is still pending (the user gave up on
// it) abandons that sign-in: approving the code afterwards must not sign
// spind in behind the logout.
func TestLogoutAbandonsAPendingDeviceSignin(t *testing.T) {
	f := newFixture(t, awsemu.SSOConfig{})
	s := f.source()
	ctx := t.Context()
	info, err := s.StartDevice(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	flow := s.device
	s.mu.Unlock()
	if err := s.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if err := f.emu.ApproveDevice(info.UserCode); err != nil {
		t.Fatal(err)
	}
	<-flow.done
	if ok, _ := s.SignedIn(ctx); ok {
		t.Errorf("signed in by a device code approved after the logout")
	}
	if _, ok := f.store.items["corp"]; ok {
		t.Errorf("the abandoned sign-in's tokens went into the keyring")
	}
	if !NeedsSignin(flow.err) {
		t.Errorf("the abandoned sign-in ended with %v, want one that asks for a new sign-in", flow.err)
	}
}
