//go:build unix

// The keyring test kit (internal/testkeyring) drives unix daemons.

package keystore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

const keyctlChildMagic = "keyctl-child-read-ok"

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
