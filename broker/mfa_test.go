package broker

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
)

const mfaConfig = `profiles:
  p:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
    mfa_serial: arn:aws:iam::123456789012:mfa/u
  boot:
    source: user
    mfa_serial: arn:aws:iam::123456789012:mfa/u
`

func (f *fixture) postMFA(t *testing.T, profile, code string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/mfa/"+profile, strings.NewReader(`{"code":"`+code+`"}`)))
	return rec
}

func decodeErr(t *testing.T, rec *httptest.ResponseRecorder) api.Error {
	t.Helper()
	var e api.Error
	if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

// Many callers that could prompt: one is told to, the others wait for its
// code and then all get the role session from one GetSessionToken.
func TestMFAOnePromptForManyCallers(t *testing.T) {
	f := newFixture(t, mfaConfig, time.Now)
	const n = 50
	prompters := make(chan int, n)
	results := make(chan *httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/credentials/p?mfa=prompt", nil))
			if rec.Code == http.StatusUnauthorized {
				e := decodeErr(t, rec)
				if e.Prompt {
					prompters <- i
					// The prompter asks the user, hands over the code and retries.
					if r := f.postMFA(t, "p", "123456"); r.Code != http.StatusNoContent {
						t.Errorf("POST mfa: %d %s", r.Code, r.Body)
					}
					rec = httptest.NewRecorder()
					f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/credentials/p?mfa=prompt", nil))
				}
			}
			results <- rec
		}()
	}
	wg.Wait()
	close(prompters)
	close(results)
	if len(prompters) != 1 {
		t.Errorf("%d callers were asked to prompt, want 1", len(prompters))
	}
	for rec := range results {
		if rec.Code != 200 {
			t.Errorf("caller got %d %s, want credentials", rec.Code, rec.Body)
		}
	}
	if got := f.sts.mfaCalls.Load(); got != 1 {
		t.Errorf("GetSessionToken calls = %d, want 1", got)
	}
	if got := f.sts.calls.Load(); got != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", got)
	}
}

func TestMFAWithoutPromptFailsAtOnce(t *testing.T) {
	f := newFixture(t, mfaConfig, time.Now)
	start := time.Now()
	rec, _ := f.get(t, "/v1/credentials/p")
	e := decodeErr(t, rec)
	if rec.Code != http.StatusUnauthorized || e.Code != api.CodeMFARequired || e.Prompt || e.Hint != "run 'spin mfa p'" {
		t.Errorf("got %d %+v, want 401 mfa_required with the 'spin mfa p' hint", rec.Code, e)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s", d)
	}
}

func TestMFAWrongCodeFailsWaitersAndMakesNoSession(t *testing.T) {
	f := newFixture(t, mfaConfig, time.Now)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/credentials/p?mfa=prompt", nil))
	if e := decodeErr(t, rec); !e.Prompt {
		t.Fatalf("first caller not asked to prompt: %+v", e)
	}
	waiter := make(chan api.Error, 1)
	go func() {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/credentials/p?mfa=prompt", nil))
		waiter <- decodeErr(t, rec)
	}()
	for deadline := time.Now().Add(5 * time.Second); f.b.mfaWaiters("user") == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second caller never started waiting")
		}
	}
	r := f.postMFA(t, "p", "000000")
	e := decodeErr(t, r)
	if r.Code != http.StatusUnauthorized || !strings.Contains(e.Message, "MFA code rejected for key set user") {
		t.Errorf("wrong code: %d %+v", r.Code, e)
	}
	if w := <-waiter; w.Prompt || !strings.Contains(w.Message, "MFA code rejected") {
		t.Errorf("waiter got %+v, want the rejection", w)
	}
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != http.StatusUnauthorized {
		t.Errorf("after a wrong code: %d, want still 401", rec.Code)
	}
	if got := f.sts.calls.Load(); got != 0 {
		t.Errorf("AssumeRole calls = %d, want 0", got)
	}
}

func TestMFABootstrapHandsOutTheSessionToken(t *testing.T) {
	f := newFixture(t, mfaConfig, time.Now)
	if r := f.postMFA(t, "boot", "123456"); r.Code != http.StatusNoContent {
		t.Fatalf("POST mfa: %d %s", r.Code, r.Body)
	}
	rec, c := f.get(t, "/v1/credentials/boot")
	if rec.Code != 200 || c.AccessKeyID != "ASIAMFASESSION000001" || c.Expiration.IsZero() {
		t.Errorf("bootstrap with MFA: %d %s exp %v; want the GetSessionToken session with an expiry", rec.Code, c.AccessKeyID, c.Expiration)
	}
}

// A prompter that vanishes without an answer does not strand the waiters:
// they are released when the prompt window ends, even if nobody else calls.
func TestMFAWaitersReleasedWhenPrompterVanishes(t *testing.T) {
	f := newFixture(t, mfaConfig, time.Now)
	f.b.cfg.MFAPromptWindow = 300 * time.Millisecond
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/credentials/p?mfa=prompt", nil))
	if e := decodeErr(t, rec); !e.Prompt {
		t.Fatalf("first caller not asked to prompt: %+v", e)
	}
	start := time.Now()
	rec, _ = f.get(t, "/v1/credentials/p") // cannot prompt: waits for the round
	e := decodeErr(t, rec)
	if rec.Code != http.StatusUnauthorized || e.Hint != "run 'spin mfa p'" {
		t.Errorf("waiter got %d %+v, want 401 with the 'spin mfa p' hint", rec.Code, e)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("waiter returned after %s, want about the 300ms window", d)
	}
}

// An empty code from the prompter (it could not ask) frees the waiters.
func TestMFAEmptyCodeReleasesWaiters(t *testing.T) {
	f := newFixture(t, mfaConfig, time.Now)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/credentials/p?mfa=prompt", nil))
	done := make(chan api.Error, 1)
	go func() {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/credentials/p?mfa=prompt", nil))
		done <- decodeErr(t, rec)
	}()
	for deadline := time.Now().Add(5 * time.Second); f.b.mfaWaiters("user") == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the caller never started waiting")
		}
	}
	if r := f.postMFA(t, "p", ""); r.Code != http.StatusBadRequest {
		t.Errorf("empty code: %d", r.Code)
	}
	select {
	case e := <-done:
		if e.Prompt || !strings.Contains(e.Message, "got no MFA code") {
			t.Errorf("waiter got %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter still parked")
	}
}

// A cached role session is served even when the MFA session it came from
// is near its end; only a new STS call needs the MFA session.
func TestCachedRoleSessionOutlivesMFAWindow(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	f := newFixture(t, mfaConfig, clk.Now)
	if r := f.postMFA(t, "p", "123456"); r.Code != http.StatusNoContent {
		t.Fatalf("POST mfa: %d", r.Code)
	}
	clk.Add(12*time.Hour - 40*time.Minute) // MFA session: 40m left
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != 200 {
		t.Fatalf("role session: %d %s", rec.Code, rec.Body)
	}
	clk.Add(30 * time.Minute) // MFA session: 10m left, under min_validity
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != 200 {
		t.Errorf("cached role session with 30m left refused: %d %s", rec.Code, rec.Body)
	}
	if n := f.sts.calls.Load(); n != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", n)
	}
}

// Replacing a key set forgets its MFA session: the new key may be another
// identity's.
func TestReplacedKeySetDropsMFASession(t *testing.T) {
	f := newFixture(t, mfaConfig, time.Now)
	if r := f.postMFA(t, "p", "123456"); r.Code != http.StatusNoContent {
		t.Fatalf("POST mfa: %d", r.Code)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("PUT", "/v1/keys/user", strings.NewReader(
		`{"access_key_id":"`+keyID+`","secret_access_key":"`+keySecret+`","force":true}`)))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("PUT key: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != http.StatusUnauthorized {
		t.Errorf("after replacing the key set: %d, want 401 (a new MFA code)", rec.Code)
	}
}
