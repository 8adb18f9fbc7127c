package broker

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// What the CLI asks before anyone types an MFA code (`spin mfa`: the
// profile, its key set and MFA device) or a secret or confirmation (`spin
// keys allow-export` and `remove`: GET /v1/keys/{name}) is answered with
// the refusal the real request would meet. It calls nothing, stores
// nothing, leaves a prompt round (and its waiters) alone and shows no
// secret.
func TestChecksAnswerBeforeAnythingIsTyped(t *testing.T) {
	f := newFixture(t, mfaConfig+`  nomfa:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
  ghosted:
    source: ghost
    mfa_serial: arn:aws:iam::123456789012:mfa/u
`, time.Now)
	// A helper is prompting for p's key set; another caller waits.
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

	tests := []struct {
		method, path, body string
		status             int
		code, message      string
	}{
		{"POST", "/v1/mfa/pp", `{"check":true}`, 404, api.CodeUnknownProfile, `did you mean "p"?`},
		{"POST", "/v1/mfa/nomfa", `{"check":true}`, 400, api.CodeBadRequest, "profile nomfa has no mfa_serial"},
		{"POST", "/v1/mfa/ghosted", `{"check":true}`, 404, api.CodeKeySetMissing, "key set ghost is not in"},
		{"POST", "/v1/mfa/p", `{"check":true}`, 204, "", ""},
		{"GET", "/v1/keys/usr", "", 404, api.CodeNotFound, "no key set usr in the memory keyring (did you mean user?)"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
		if rec.Code != tt.status {
			t.Errorf("%s %s: status %d %s, want %d", tt.method, tt.path, rec.Code, rec.Body, tt.status)
			continue
		}
		if tt.status == http.StatusNoContent {
			continue
		}
		if e := decodeErr(t, rec); e.Code != tt.code || !strings.Contains(e.Message, tt.message) {
			t.Errorf("%s %s: %+v, want %s with %q", tt.method, tt.path, e, tt.code, tt.message)
		}
	}
	if n := f.sts.mfaCalls.Load(); n != 0 {
		t.Errorf("GetSessionToken calls = %d, want 0", n)
	}
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/keys/user", nil))
	var k api.KeyInfo
	if err := json.Unmarshal(rec.Body.Bytes(), &k); err != nil || rec.Code != http.StatusOK || k.Name != "user" || k.AccessKeyID != secret.MaskKeyID(keyID) {
		t.Errorf("GET /v1/keys/user: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), keySecret) || strings.Contains(rec.Body.String(), keyID) {
		t.Errorf("GET /v1/keys/user shows the key: %s", rec.Body)
	}
	select {
	case e := <-waiter:
		t.Fatalf("a check ended the prompt round: the waiter got %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
	// The round ends with the prompter's code, as ever.
	if r := f.postMFA(t, "p", "123456"); r.Code/100 != 2 {
		t.Fatalf("code: %d %s", r.Code, r.Body)
	}
	if e := <-waiter; e.Message != "" {
		t.Errorf("waiter after the code: %+v", e)
	}
}
