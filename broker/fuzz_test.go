package broker

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzHandler throws arbitrary methods, paths and bodies at the socket
// protocol: every answer must be a well-formed status, never a panic, and
// the broker must keep serving.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/v1/credentials/p", "")
	f.Add("PUT", "/v1/keys/k", `{"access_key_id":"AKIAIOSFODNN7EXAMPLE","secret_access_key":"x"}`)
	f.Add("PUT", "/v1/keys/k", `{"access_key_id":`)
	f.Add("POST", "/v1/unlock", `{"passphrase":""}`)
	f.Add("DELETE", "/v1/keys/%2e%2e", "")
	f.Add("GET", "/v1/credentials/p?session_name=%00", "")
	f.Add("POST", "/v1/reload", "null")
	fx := newFixture(f, basicConfig, time.Now)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") || method == "" ||
			strings.ContainsAny(method, " \r\n\t()<>@,;:\\\"/[]?={}") || path == "/v1/shutdown" {
			return
		}
		req, err := http.NewRequest(method, "http://spind"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code >= 600 {
			t.Fatalf("%s %s: status %d", method, path, rec.Code)
		}
		if rec.Code >= 400 && !strings.HasPrefix(rec.Body.String(), `{"error":`) {
			t.Fatalf("%s %s: %d with body %q, want a JSON error", method, path, rec.Code, rec.Body)
		}
	})
}
