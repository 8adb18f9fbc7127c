//go:build unix

// The keyring test kit (internal/testkeyring) drives unix daemons.

package keystore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/keyring"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/testkeyring"
)

var secretEqual = cmp.Comparer(func(a, b secret.String) bool { return a.Equal(b) })

// envKeyctlChild turns the test binary into TestKeyCtlBackend's helper.
const envKeyctlChild = "SPIN_TEST_KEYCTL_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(envKeyctlChild) != "" {
		os.Exit(keyctlChild())
	}
	os.Exit(testkeyring.RunUnderSecretService(m))
}

// roundTrip is the behaviour every backend must share. It expects a store
// with no key sets and leaves it so.
func roundTrip(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	noSecret := func(err error) error {
		t.Helper()
		if err != nil && strings.Contains(err.Error(), testSecret) {
			t.Fatalf("error shows the secret: %v", err)
		}
		return err
	}
	check := func(err error) {
		t.Helper()
		if noSecret(err) != nil {
			t.Fatal(err)
		}
	}
	list := func(want ...string) {
		t.Helper()
		got, err := s.List(ctx)
		check(err)
		if diff := cmp.Diff(append([]string{}, want...), got); diff != "" {
			t.Fatalf("List (-want +got):\n%s", diff)
		}
	}

	// Items that are not key sets must not show up as key sets.
	kr, err := s.ring()
	check(err)
	check(kr.Set(keyring.Item{Key: "foreign-item", Data: []byte("x")}))
	defer kr.Remove("foreign-item")
	list()

	a, b := testKeySet("alpha"), testKeySet("beta.b@x")
	b.MFASerial = "arn:aws:iam::123456789012:mfa/beta"
	check(s.Put(ctx, b))
	check(s.Put(ctx, a))
	list("alpha", "beta.b@x")
	for _, want := range []KeySet{a, b} {
		got, err := s.Get(ctx, want.Name)
		check(err)
		if diff := cmp.Diff(want, got, secretEqual); diff != "" {
			t.Fatalf("Get(%s) (-want +got):\n%s", want.Name, diff)
		}
	}

	a2 := a
	a2.AccessKeyID, a2.SecretAccessKey, a2.MFASerial = "AKIAZZZZZZZZZZZZZZZZ", secret.New(strings.Repeat("s", 40)), "GAHT12345678"
	check(s.Put(ctx, a2))
	got, err := s.Get(ctx, "alpha")
	check(err)
	if diff := cmp.Diff(a2, got, secretEqual); diff != "" {
		t.Fatalf("Get after overwrite (-want +got):\n%s", diff)
	}
	list("alpha", "beta.b@x")

	if _, err := s.Get(ctx, "missing"); !errors.Is(noSecret(err), ErrNotFound) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Get(missing) = %v, want ErrNotFound naming the key set", err)
	}
	if err := s.Remove(ctx, "missing"); !errors.Is(noSecret(err), ErrNotFound) {
		t.Fatalf("Remove(missing) = %v, want ErrNotFound", err)
	}
	temp := testKeySet("temp")
	temp.AccessKeyID = "ASIAIOSFODNN7EXAMPLE"
	if err := s.Put(ctx, temp); noSecret(err) == nil || !strings.Contains(err.Error(), "temporary") {
		t.Fatalf("Put(ASIA key) = %v, want a refusal", err)
	}

	check(s.Remove(ctx, "alpha"))
	if _, err := s.Get(ctx, "alpha"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Remove = %v, want ErrNotFound", err)
	}
	list("beta.b@x")
	check(s.Remove(ctx, "beta.b@x"))
	list()
}

func openFile(t *testing.T, dir string, pass func() (string, error)) *Store {
	t.Helper()
	s, err := Open(Config{Backend: BackendFile, FileDir: dir, Passphrase: pass})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fixed(pw string) func() (string, error) { return func() (string, error) { return pw, nil } }

func TestFileBackend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyring")
	s := openFile(t, dir, fixed("correct horse"))
	if s.Backend() != BackendFile {
		t.Fatalf("Backend() = %s, want file", s.Backend())
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("FileDir mode = %v, %v; want 0700", fi.Mode(), err)
	}
	roundTrip(t, s)

	ctx := context.Background()
	if err := s.Put(ctx, testKeySet("kept")); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		if strings.Contains(string(b), testSecret) || strings.Contains(string(b), testKeyID) {
			t.Errorf("%s holds the key in clear", f.Name())
		}
	}

	wrong := openFile(t, dir, fixed("battery staple"))
	if _, err := wrong.Get(ctx, "kept"); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("Get with a wrong passphrase = %v, want ErrBadPassphrase", err)
	}
	if err := wrong.Put(ctx, testKeySet("other")); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("Put with a wrong passphrase = %v, want ErrBadPassphrase", err)
	}
	if err := wrong.Check(ctx); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("Check with a wrong passphrase = %v, want ErrBadPassphrase", err)
	}
	if err := s.Check(ctx); err != nil {
		t.Errorf("Check with the right passphrase = %v", err)
	}
	if names, _ := s.List(ctx); len(names) != 1 {
		t.Errorf("after the refused Put, List = %v, want [kept]", names)
	}
}

func TestFileBackendLocked(t *testing.T) {
	var unlocked atomic.Bool
	pass := func() (string, error) {
		if !unlocked.Load() {
			return "", fmt.Errorf("run `spin unlock`: %w", ErrLocked)
		}
		return "pw", nil
	}
	s := openFile(t, filepath.Join(t.TempDir(), "kr"), pass)
	ctx := context.Background()
	if err := s.Check(ctx); !errors.Is(err, ErrLocked) {
		t.Errorf("Check while locked = %v, want ErrLocked", err)
	}
	if err := s.Put(ctx, testKeySet("a")); !errors.Is(err, ErrLocked) {
		t.Fatalf("Put while locked = %v, want ErrLocked", err)
	}
	unlocked.Store(true) // takes effect without reopening the store
	if err := s.Put(ctx, testKeySet("a")); err != nil {
		t.Fatal(err)
	}
	unlocked.Store(false)
	if _, err := s.Get(ctx, "a"); !errors.Is(err, ErrLocked) {
		t.Errorf("Get while locked = %v, want ErrLocked", err)
	}
}

func TestFileBackendConfig(t *testing.T) {
	if _, err := Open(Config{Backend: BackendFile, FileDir: t.TempDir()}); err == nil {
		t.Error("Open(file) without Passphrase succeeded")
	}
	open := t.TempDir()
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Config{Backend: BackendFile, FileDir: open, Passphrase: fixed("x")}); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("Open(file) on a 0755 dir = %v, want a refusal", err)
	}
	empty := openFile(t, filepath.Join(t.TempDir(), "kr"), fixed(""))
	if err := empty.Put(context.Background(), testKeySet("a")); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Put with an empty passphrase = %v, want a refusal", err)
	}
	if _, err := Open(Config{Backend: "gnome"}); err == nil || !strings.Contains(err.Error(), "unknown keyring backend") {
		t.Errorf("Open(gnome) = %v, want unknown backend", err)
	}
}
