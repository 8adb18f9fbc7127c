package broker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
)

// A bootstrap profile without MFA gets the long-term keys only when the
// key set allows it; the refusal names the command that grants it, and a
// config edit (the profile itself) changes nothing.
func TestBootstrapExportNeedsTheKeySetsGrant(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	code, e := f.apiError(t, "/v1/credentials/boot")
	if code != http.StatusForbidden || e.Code != api.CodeExportRefused ||
		!strings.Contains(e.Message, "profile boot") || !strings.Contains(e.Message, "key set user") ||
		!strings.Contains(e.Hint, "spin keys allow-export user") {
		t.Fatalf("bootstrap without a grant: %d %+v; want 403 export_not_allowed naming profile, key set and 'spin keys allow-export user'", code, e)
	}
	if strings.Contains(e.Message+e.Hint, keySecret) || strings.Contains(e.Message+e.Hint, keyID) {
		t.Errorf("refusal shows the key: %+v", e)
	}
	// Granting needs the key set's own secret.
	if rec := f.do(t, "PUT", "/v1/keys/user/export", `{"allow":true,"secret_access_key":"not-the-secret-at-all-xxxxxxxxxxxxxxxxxx"}`); rec.Code != http.StatusForbidden {
		t.Errorf("grant with a wrong secret: %d %s, want 403", rec.Code, rec.Body)
	}
	if rec := f.do(t, "PUT", "/v1/keys/user/export", `{"allow":true}`); rec.Code != http.StatusForbidden {
		t.Errorf("grant without a secret: %d %s, want 403", rec.Code, rec.Body)
	}
	if code, _ := f.apiError(t, "/v1/credentials/boot"); code != http.StatusForbidden {
		t.Fatalf("after refused grants: %d, want still 403", code)
	}
	if rec := f.do(t, "PUT", "/v1/keys/user/export", `{"allow":true,"secret_access_key":"`+keySecret+`"}`); rec.Code != http.StatusNoContent {
		t.Fatalf("grant: %d %s", rec.Code, rec.Body)
	}
	if ks, _ := f.keys.Get(context.Background(), "user"); !ks.AllowExport {
		t.Error("the grant was not stored with the key set")
	}
	rec, c := f.get(t, "/v1/credentials/boot")
	var buf bytes.Buffer
	_ = c.WriteProcessJSON(&buf)
	if rec.Code != 200 || c.AccessKeyID != keyID || !c.Expiration.IsZero() || strings.Contains(buf.String(), "Expiration") {
		t.Errorf("bootstrap with the grant: status %d key %s json %s; want the long-term key without Expiration", rec.Code, c.AccessKeyID, buf.String())
	}
	if n := f.sts.calls.Load(); n != 0 {
		t.Errorf("STS calls = %d, want 0", n)
	}
	if rec := f.do(t, "GET", "/v1/keys", ""); !strings.Contains(rec.Body.String(), `"allow_export":true`) {
		t.Errorf("keys list does not show the grant: %s", rec.Body)
	}
	// Revoking needs no secret and applies at once.
	if rec := f.do(t, "PUT", "/v1/keys/user/export", `{"allow":false}`); rec.Code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	if code, _ := f.apiError(t, "/v1/credentials/boot"); code != http.StatusForbidden {
		t.Errorf("after revoke: %d, want 403", code)
	}
	// Replacing the key set without --allow-export drops the grant;
	// adding it with the flag grants.
	put := func(allow bool) {
		t.Helper()
		body := fmt.Sprintf(`{"access_key_id":%q,"secret_access_key":%q,"force":true,"allow_export":%v}`, keyID, keySecret, allow)
		if rec := f.do(t, "PUT", "/v1/keys/user", body); rec.Code != http.StatusNoContent {
			t.Fatalf("put: %d %s", rec.Code, rec.Body)
		}
	}
	put(true)
	if code, e := f.apiError(t, "/v1/credentials/boot"); code != 200 {
		t.Errorf("after keys add --allow-export: %d %+v", code, e)
	}
	put(false)
	if code, _ := f.apiError(t, "/v1/credentials/boot"); code != http.StatusForbidden {
		t.Errorf("after keys add --force without --allow-export: %d, want 403", code)
	}
	if rec := f.do(t, "PUT", "/v1/keys/ghost/export", `{"allow":false}`); rec.Code != http.StatusNotFound {
		t.Errorf("export of a missing key set: %d, want 404", rec.Code)
	}
}

// Every hand-out of long-term keys is logged at WARN with the pid and the
// executable of the process on the other end of the socket.
func TestBootstrapExportIsLoggedWithThePeer(t *testing.T) {
	dir := shortDir(t)
	conf := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(conf, []byte(basicConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := &memKeys{sets: map[string]keystore.KeySet{
		"user": {Name: "user", AccessKeyID: keyID, SecretAccessKey: secret.New(keySecret), AllowExport: true},
	}}
	logs := &lockedBuffer{}
	b := New(Config{ConfigPath: conf, OpenKeys: func(keystore.Config) (Keys, error) { return keys, nil }, STS: &fakeSTS{now: time.Now},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	sock := filepath.Join(dir, "s", "broker.sock")
	ln, err := Listen(sock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	}()
	c := client.New(sock)
	defer c.Close()
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	defer ccancel()
	creds, err := c.Credentials(cctx, "boot", "")
	if err != nil || creds.AccessKeyID != keyID {
		t.Fatalf("credentials: %v %v", creds.AccessKeyID, err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	line := ""
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "long-term keys handed out") {
			line = l
		}
	}
	for _, want := range []string{"level=WARN", "profile=boot", "key_set=user", fmt.Sprintf("pid=%d ", os.Getpid()), "exe=" + exe, fmt.Sprintf("ppid=%d ", os.Getppid())} {
		if !strings.Contains(line, want) {
			t.Errorf("export log line %q lacks %q\nlog:\n%s", line, want, logs.String())
		}
	}
	if strings.Contains(logs.String(), keySecret) {
		t.Error("the log holds the secret")
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
