//go:build unix

// The keyring test kit (internal/testkeyring) drives unix daemons.

package keystore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/testkeyring"
)

func TestSecretServiceBackend(t *testing.T) {
	testkeyring.RequireSecretService(t)
	// An item another application keeps in the shared login collection.
	tool := exec.Command("secret-tool", "store", "--label=keyset:not-ours", "service", "other-app")
	tool.Stdin = strings.NewReader("other")
	if out, err := tool.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v\n%s", err, out)
	}
	s, err := Open(Config{Backend: BackendSecretService})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, s)
	if err := s.Remove(context.Background(), "not-ours"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove of another application's item = %v, want ErrNotFound", err)
	}

	// Our items land in the login collection, where the desktop unlocks
	// them at login, and can be found by their key.
	if err := s.Put(context.Background(), testKeySet("visible")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), "visible") })
	out, err := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets",
		"/org/freedesktop/secrets/collection/login", "org.freedesktop.Secret.Collection.SearchItems",
		"dict:string:string:profile,keyset:visible").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("/collection/login/")) {
		t.Errorf("SearchItems in the login collection: %v\n%s\nwant our item", err, out)
	}
}

func TestPassBackend(t *testing.T) {
	dir, env := testkeyring.NewPassStore(t)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	s, err := Open(Config{Backend: BackendPass, PassDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, s)
	if err := s.Put(context.Background(), testKeySet("filed")); err != nil {
		t.Fatal(err)
	}
	// Items live under the service prefix, out of the user's own entries.
	if _, err := os.Stat(filepath.Join(dir, "spin", "keyset:filed.gpg")); err != nil {
		t.Errorf("pass item not under spin/: %v", err)
	}
}

func TestPassNotInitialised(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs pass (skipped with -short)")
	}
	_, err := Open(Config{Backend: BackendPass, PassDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "pass init") {
		t.Errorf("Open(pass) on an empty dir = %v, want a hint to run pass init", err)
	}
}
