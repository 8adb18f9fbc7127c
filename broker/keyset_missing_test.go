package broker

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
)

// A mistyped key set name, in a command or in a profile's source:, is
// answered with the stored name meant; a name near nothing stored is not.
func TestMistypedKeySetSuggestsStoredName(t *testing.T) {
	f := newFixture(t, `keyring:
  backend: secret-service
profiles:
  typo:
    source: usr
    role_arn: arn:aws:iam::123456789012:role/r
  far:
    source: somebody-else
    role_arn: arn:aws:iam::123456789012:role/r
`, time.Now)
	tests := []struct {
		method, path, body string
		code, message      string
		hint               string
	}{
		{"DELETE", "/v1/keys/User", "", api.CodeNotFound,
			`no key set User in the memory keyring (did you mean user?)`, "run 'spin keys list'"},
		{"PUT", "/v1/keys/usre/export", `{"allow":false}`, api.CodeNotFound,
			`no key set usre in the memory keyring (did you mean user?)`, "run 'spin keys list'"},
		{"POST", "/v1/keys/uzer/rotate", `{}`, api.CodeNotFound,
			`no key set uzer in the memory keyring (did you mean user?)`, "run 'spin keys list'"},
		{"DELETE", "/v1/keys/ghost", "", api.CodeNotFound,
			"no key set ghost in the memory keyring", "run 'spin keys list'"},
		{"GET", "/v1/credentials/typo", "", api.CodeKeySetMissing,
			`profile typo: key set usr is not in the memory keyring (did you mean user?)`,
			"set source: user for profile typo in " + f.conf + ", or run 'spin keys add usr'"},
		{"GET", "/v1/credentials/far", "", api.CodeKeySetMissing,
			"profile far: key set somebody-else is not in the memory keyring", "run 'spin keys add somebody-else'"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			var e api.Error
			if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
				t.Fatalf("status %d: %v", rec.Code, err)
			}
			if e.Code != tt.code || e.Message != tt.message || e.Hint != tt.hint {
				t.Errorf("got %d %+v\nwant %s %q hint %q", rec.Code, e, tt.code, tt.message, tt.hint)
			}
		})
	}
}

// The helper prints spind's answer as one line, message then hint after a
// colon (api.Error's Error). A near miss in the message must leave that
// one sentence: "…(did you mean x?): add it …", never "…did you mean
// x?: add it".
func TestNearMissLineReadsAsSentence(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	broken := newFixture(t, "defaults:\n  regoin: eu-west-1\n", time.Now)
	tests := []struct {
		f                  *fixture
		method, path, body string
		want               string
	}{
		{f, "GET", "/v1/credentials/pp", "",
			`unknown profile "pp" in ` + f.conf + ` (known: p, boot, nokeys; did you mean "p"?): add it under profiles: in ` + f.conf + `, then run 'spin profiles write'`},
		{f, "POST", "/v1/mfa/bot", `{"code":"123456"}`,
			`unknown profile "bot" in ` + f.conf + ` (known: p, boot, nokeys; did you mean "boot"?): 'spin profiles list' shows the profiles`},
		{f, "DELETE", "/v1/keys/usr", "",
			`no key set usr in the memory keyring (did you mean user?): run 'spin keys list'`},
		{broken, "GET", "/v1/credentials/p", "",
			broken.conf + `:2:3: unknown key "regoin" in defaults (known: region, duration, min_validity, mfa_duration; did you mean "region"?): fix the file; spind re-reads it on the next request`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.f.h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			var e api.Error
			if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
				t.Fatalf("status %d: %v", rec.Code, err)
			}
			if got := e.Error(); got != tt.want {
				t.Errorf("helper line\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}
