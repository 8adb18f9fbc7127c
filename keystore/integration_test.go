package keystore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

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

const (
	envKeyctlChild   = "SPIN_TEST_KEYCTL_CHILD"
	keyctlChildMagic = "keyctl-child-read-ok"
)

func TestKeyCtlBackend(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: uses the kernel keyring (skipped with -short)")
	}
	if err := keyctlUsable(); err != nil {
		t.Skipf("the kernel refuses keyctl here: %v", err)
	}
	service := "spin-test-" + randomHex(6)
	t.Cleanup(func() { unlinkNamedKeyring(t, service) })
	s, err := Open(Config{Backend: BackendKeyCtl, ServiceName: service})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, s)

	// A spind started from a fresh session keyring, which does not link
	// @u, must still read what another session stored.
	if err := s.Put(context.Background(), testKeySet("shared")); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("keyctl", "session", "-", exe)
	cmd.Env = append(os.Environ(), envKeyctlChild+"="+service, "DBUS_SESSION_BUS_ADDRESS=disabled:")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(keyctlChildMagic)) {
		t.Fatalf("reading from a fresh session keyring: %v\n%s", err, out)
	}
}

// keyctlChild runs in the process TestKeyCtlBackend starts under
// `keyctl session -`, instead of the tests.
func keyctlChild() int {
	s, err := Open(Config{Backend: BackendKeyCtl, ServiceName: os.Getenv(envKeyctlChild)})
	if err == nil {
		_, err = s.Get(context.Background(), "shared")
	}
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	fmt.Println(keyctlChildMagic)
	return 0
}

// keyctlUsable asks the kernel, as `keyctl show @s` would: container
// seccomp profiles commonly refuse the keyctl system calls.
func keyctlUsable() error {
	if _, err := exec.LookPath("keyctl"); err != nil {
		return fmt.Errorf("keyctl (keyutils) not installed: %w", err)
	}
	if out, err := exec.Command("keyctl", "show", "@s").CombinedOutput(); err != nil {
		return fmt.Errorf("keyctl show @s: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

func unlinkNamedKeyring(t *testing.T, name string) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "keyring", name, 0)
	if err != nil {
		t.Logf("cleanup: keyring %s not found: %v", name, err)
		return
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil {
		t.Errorf("cleanup: unlinking keyring %s: %v", name, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
