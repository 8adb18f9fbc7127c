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
	time.Sleep(50 * time.Millisecond)
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
