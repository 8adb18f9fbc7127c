package credproc

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/cloudspin/spin/broker/launch"
)

// An error from spind (or from AWS through it) reaches the terminal without
// its escape sequences: no retitled window, no erased line.
func TestErrorTextStrippedOfControlCharacters(t *testing.T) {
	sock := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(`{"error":"sts_failed","message":"\u001b]0;pwned\u0007AccessDenied: \u001b[31mnot\u001b[0m allowed\r\u001b[2K","hint":"check\u009b1A the role"}`))
	})
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), Options{Profile: "p", Launch: launch.Options{Socket: sock}}, &stdout, &stderr); code != 1 {
		t.Fatalf("code %d", code)
	}
	if want := "spin: AccessDenied: not allowed: check the role\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}
