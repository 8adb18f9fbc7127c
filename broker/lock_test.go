package broker

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/keystore"
)

func (f *fixture) do(t *testing.T, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec
}

// lockConfig has sessions long enough to outlive the idle lock.
const lockConfig = `keyring:
  backend: secret-service
  lock_after: 1h
defaults:
  duration: 12h
profiles:
  p:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
    role_session_name: fixed
  boot:
    source: user
`

// After `spin lock`, anything that needs a key set answers locked, while
// the role session spind already holds is still served; unlock (no
// passphrase for a desktop keyring) brings the key sets back.
func TestLockKeepsServingCachedSessions(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	_, before := f.get(t, "/v1/credentials/p")
	if rec := f.do(t, "POST", "/v1/lock", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("lock: %d %s", rec.Code, rec.Body)
	}
	f.checkLocked(t, before)
	if rec := f.do(t, "POST", "/v1/unlock", `{"passphrase":""}`); rec.Code != http.StatusNoContent {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	if st := f.status(t); st.Locked {
		t.Error("status.Locked after unlock = true")
	}
	if rec := f.do(t, "GET", "/v1/keys", ""); rec.Code != http.StatusOK {
		t.Errorf("keys after unlock: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := f.get(t, "/v1/credentials/p?session_name=other"); rec.Code != http.StatusOK {
		t.Errorf("a new session after unlock: %d %s", rec.Code, rec.Body)
	}
}

// checkLocked asserts the locked state: key-set calls refused with the
// unlock hint, cached is still handed out.
func (f *fixture) checkLocked(t *testing.T, cached api.Credentials) {
	t.Helper()
	if st := f.status(t); !st.Locked {
		t.Error("status.Locked = false, want true")
	}
	for _, path := range []string{"/v1/keys", "/v1/credentials/p?session_name=other", "/v1/credentials/boot"} {
		code, e := f.apiError(t, path)
		if code != http.StatusLocked || e.Code != api.CodeLocked || !strings.Contains(e.Hint, "spin unlock") {
			t.Errorf("GET %s while locked: %d %+v, want 423 locked with the 'spin unlock' hint", path, code, e)
		}
	}
	if rec := f.do(t, "PUT", "/v1/keys/new", `{"access_key_id":"`+keyID+`","secret_access_key":"`+keySecret+`"}`); rec.Code != http.StatusLocked {
		t.Errorf("PUT key while locked: %d, want 423", rec.Code)
	}
	rec, got := f.get(t, "/v1/credentials/p")
	if rec.Code != http.StatusOK || got.AccessKeyID != cached.AccessKeyID {
		t.Errorf("cached session while locked: %d %s (key %s), want the cached %s", rec.Code, rec.Body, got.AccessKeyID, cached.AccessKeyID)
	}
	f.b.cacheMu.Lock()
	n := len(f.b.keyCache)
	f.b.cacheMu.Unlock()
	if n != 0 {
		t.Errorf("%d key sets still in memory while locked", n)
	}
}

// keyring.lock_after locks after that long without a key-set request; the
// clock is the broker's, so no test waits an hour.
func TestLockAfterIdle(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, lockConfig, clk.Now)
	_, cached := f.get(t, "/v1/credentials/p")
	clk.Add(59 * time.Minute)
	f.b.lockIfIdle() // what Serve's timer calls
	if st := f.status(t); st.Locked || st.LockAfter != "1h0m0s" {
		t.Fatalf("after 59m idle: locked %v lock_after %q, want unlocked, 1h0m0s", st.Locked, st.LockAfter)
	}
	// A cache hit is use too: it moves the deadline.
	f.get(t, "/v1/credentials/p")
	clk.Add(59 * time.Minute)
	f.b.lockIfIdle()
	if st := f.status(t); st.Locked {
		t.Fatal("locked 59m after the last request, want unlocked")
	}
	clk.Add(2 * time.Minute)
	f.b.lockIfIdle()
	f.checkLocked(t, cached)
	// Requests while locked do not unlock it.
	clk.Add(2 * time.Hour)
	f.checkLocked(t, cached)
}

// A request that arrives after the idle time, before the timer ran, finds
// spind locked: the check runs first.
func TestLockAfterChecksOnRequest(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, lockConfig, clk.Now)
	f.get(t, "/v1/credentials/p")
	clk.Add(61 * time.Minute)
	if code, e := f.apiError(t, "/v1/credentials/boot"); code != http.StatusLocked {
		t.Errorf("first request after 61m idle: %d %+v, want 423", code, e)
	}
}

// The file keyring forgets its passphrase on lock and wants it again.
func TestLockForgetsFilePassphrase(t *testing.T) {
	f := newFixture(t, strings.Replace(basicConfig, "secret-service", "file", 1), time.Now)
	if rec := f.do(t, "POST", "/v1/unlock", `{"passphrase":"pw"}`); rec.Code != http.StatusNoContent {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	_, cached := f.get(t, "/v1/credentials/p")
	f.do(t, "POST", "/v1/lock", "")
	if !f.b.passphrase().IsZero() {
		t.Error("spind kept the passphrase after lock")
	}
	f.checkLocked(t, cached)
	if rec := f.do(t, "POST", "/v1/unlock", `{"passphrase":""}`); rec.Code != http.StatusBadRequest {
		t.Errorf("unlock of the file keyring without a passphrase: %d, want 400", rec.Code)
	}
	if rec := f.do(t, "POST", "/v1/unlock", `{"passphrase":"pw"}`); rec.Code != http.StatusNoContent {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	if code, e := f.apiError(t, "/v1/keys"); code != http.StatusOK {
		t.Errorf("keys after unlock: %d %+v", code, e)
	}
}

// The real Argon2id front of a new file keyring: the first unlock sets the
// passphrase and must meet the floor; status says the keyring is new until
// then; a wrong passphrase is refused afterwards even with no item stored.
func TestUnlockNewFileKeyring(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, "keyring:\n  backend: file\n  file_dir: "+dir+"/kr\nprofiles:\n  p:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n", time.Now)
	f.b.cfg.FileKeys = keystore.FileKDF{Params: keystore.KDFParams{Time: 1, MemoryKiB: 8 << 10, Threads: 1}}
	if st := f.status(t); !st.Locked || !st.KeyringNew {
		t.Fatalf("status of a new file keyring: locked %v new %v, want both", st.Locked, st.KeyringNew)
	}
	rec := f.do(t, "POST", "/v1/unlock", `{"passphrase":"short pw"}`)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "at least 12") || strings.Contains(rec.Body.String(), "short pw") {
		t.Fatalf("weak new passphrase: %d %s, want 400 stating the rule", rec.Code, rec.Body)
	}
	if rec := f.do(t, "POST", "/v1/unlock", `{"passphrase":"a good long passphrase"}`); rec.Code != http.StatusNoContent {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	if st := f.status(t); st.Locked || st.KeyringNew {
		t.Errorf("after the first unlock: locked %v new %v", st.Locked, st.KeyringNew)
	}
	if f.b.passphrase().Reveal() == "a good long passphrase" {
		t.Error("spind keeps the passphrase itself, want only the derived key")
	}
	f.do(t, "POST", "/v1/lock", "")
	if rec := f.do(t, "POST", "/v1/unlock", `{"passphrase":"another long passphrase"}`); rec.Code != http.StatusLocked {
		t.Errorf("wrong passphrase: %d %s, want 423", rec.Code, rec.Body)
	}
	if st := f.status(t); !st.Locked || st.KeyringNew {
		t.Errorf("after a wrong passphrase: locked %v new %v, want locked, not new", st.Locked, st.KeyringNew)
	}
}
