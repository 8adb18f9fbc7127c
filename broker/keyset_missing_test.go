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
			`no key set User in the memory keyring; did you mean "user"?`, "run 'spin keys list'"},
		{"PUT", "/v1/keys/usre/export", `{"allow":false}`, api.CodeNotFound,
			`no key set usre in the memory keyring; did you mean "user"?`, "run 'spin keys list'"},
		{"POST", "/v1/keys/uzer/rotate", `{}`, api.CodeNotFound,
			`no key set uzer in the memory keyring; did you mean "user"?`, "run 'spin keys list'"},
		{"DELETE", "/v1/keys/ghost", "", api.CodeNotFound,
			"no key set ghost in the memory keyring", "run 'spin keys list'"},
		{"GET", "/v1/credentials/typo", "", api.CodeKeySetMissing,
			`profile typo: key set usr is not in the memory keyring; did you mean "user"?`,
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
