//go:build unix

// The keyring test kit (internal/testkeyring) drives unix daemons.

package keystore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/secret"
)

// fastKDF keeps the tests quick; the parameters are stored per keyring, so
// the code paths are the same as with DefaultKDF.
var fastKDF = FileKDF{Params: KDFParams{Time: 1, MemoryKiB: 8 << 10, Threads: 1}}

func storeWithKey(t *testing.T, dir string, key secret.String) *Store {
	t.Helper()
	return openFile(t, dir, fixed(key.Reveal()))
}

func TestFileKDFNewKeyring(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyring")
	if st, err := fastKDF.State(dir); err != nil || st != FileNew {
		t.Fatalf("State(missing dir) = %v, %v; want FileNew", st, err)
	}
	if _, err := fastKDF.Unlock(dir, secret.New("short")); !errors.Is(err, ErrWeakPassphrase) || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("Unlock(new, weak) = %v, want ErrWeakPassphrase saying the rule", err)
	}
	if _, err := os.Stat(filepath.Join(dir, kdfFileName)); !os.IsNotExist(err) {
		t.Fatalf("a refused passphrase left %s: %v", kdfFileName, err)
	}
	const pass = "correct horse battery"
	key, err := fastKDF.Unlock(dir, secret.New(pass))
	if err != nil {
		t.Fatal(err)
	}
	if key.Reveal() == pass || len(key.Reveal()) != 43 {
		t.Fatalf("the backend's string must be the derived key (43 base64 characters), got %d characters", len(key.Reveal()))
	}
	fi, err := os.Stat(filepath.Join(dir, kdfFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v; want 0600", kdfFileName, err, fi.Mode())
	}
	data, _ := os.ReadFile(filepath.Join(dir, kdfFileName))
	if strings.Contains(string(data), pass) || strings.Contains(string(data), key.Reveal()) || !strings.Contains(string(data), `"kdf": "argon2id"`) {
		t.Errorf("%s holds the passphrase or key, or no kdf name:\n%s", kdfFileName, data)
	}
	if st, _ := fastKDF.State(dir); st != FileKDFReady {
		t.Errorf("State after the first unlock = %v, want FileKDFReady", st)
	}
	// The same passphrase gives the same key, even with no item stored;
	// another one is refused at once.
	if again, err := fastKDF.Unlock(dir, secret.New(pass)); err != nil || !again.Equal(key) {
		t.Errorf("second Unlock = %v; want the same key", err)
	}
	if _, err := fastKDF.Unlock(dir, secret.New("battery staple horse")); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("Unlock with a wrong passphrase = %v, want ErrBadPassphrase", err)
	}
	ctx := context.Background()
	if err := storeWithKey(t, dir, key).Put(ctx, testKeySet("alpha")); err != nil {
		t.Fatal(err)
	}
	// The items are encrypted under the derived key, not the passphrase.
	if _, err := openFile(t, dir, fixed(pass)).Get(ctx, "alpha"); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("the raw passphrase opens an item: %v", err)
	}
}

// A keyring from before Argon2id (the v1.5.0 fixture) is migrated on its
// first unlock: every item, ours and others', rewritten under the derived
// key, and no backup left behind.
func TestFileKDFMigratesEveryItem(t *testing.T) {
	dir := copyFixture(t)
	if st, _ := fastKDF.State(dir); st != FileLegacy {
		t.Fatalf("State(fixture) = %v, want FileLegacy", st)
	}
	before, _ := os.ReadDir(dir)
	if _, err := fastKDF.Unlock(dir, secret.New("not the fixture passphrase")); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("Unlock(legacy, wrong) = %v, want ErrBadPassphrase", err)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Fatalf("a refused passphrase changed the directory: %d entries, was %d", len(after), len(before))
	}
	key, err := fastKDF.Unlock(dir, secret.New(fixturePassphrase))
	if err != nil {
		t.Fatal(err)
	}
	checkMigrated(t, dir, key)
	// A weak legacy passphrase is migrated, not refused: it is not new,
	// and refusing would lock the user out of their keys.
	if len(fixturePassphrase) < 12 {
		t.Fatal("fixture passphrase shorter than the floor; the test above proves less")
	}
}

func checkMigrated(t *testing.T, dir string, key secret.String) {
	t.Helper()
	ctx := context.Background()
	s := storeWithKey(t, dir, key)
	names, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"fixture-a", "fixture-b"}, names); diff != "" {
		t.Fatalf("List after migration (-want +got):\n%s", diff)
	}
	for _, want := range fixtureKeySets {
		got, err := s.Get(ctx, want.Name)
		if err != nil {
			t.Fatalf("Get(%s) after migration: %v", want.Name, err)
		}
		if diff := cmp.Diff(want, got, secretEqual); diff != "" {
			t.Errorf("Get(%s) (-want +got):\n%s", want.Name, diff)
		}
	}
	other, err := openFileRing(dir, key).Get("other-app:item")
	if err != nil || string(other.Data) != "not a key set" {
		t.Errorf("the other application's item after migration: %q, %v", other.Data, err)
	}
	if _, err := openFile(t, dir, fixed(fixturePassphrase)).Get(ctx, "fixture-a"); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("an item still opens with the old passphrase: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, migrationDirName)); !os.IsNotExist(err) {
		t.Errorf("migration backup left behind: %v", err)
	}
	if st, _ := fastKDF.State(dir); st != FileKDFReady {
		t.Errorf("State after migration = %v, want FileKDFReady", st)
	}
}

// A migration stopped after any number of rewritten items (a crash, a full
// disk) loses nothing: the next unlock puts the backup back and migrates
// again.
func TestFileKDFMigrationInterrupted(t *testing.T) {
	for stopAfter := 1; stopAfter <= 3; stopAfter++ {
		dir := copyFixture(t)
		crash := fastKDF
		crash.afterRewrite = func(n int) error {
			if n == stopAfter {
				return errors.New("simulated crash")
			}
			return nil
		}
		if _, err := crash.Unlock(dir, secret.New(fixturePassphrase)); err == nil {
			t.Fatalf("stop after %d: the interrupted migration reported success", stopAfter)
		}
		if _, err := os.Stat(filepath.Join(dir, migrationDirName, backupComplete)); err != nil {
			t.Fatalf("stop after %d: no complete backup: %v", stopAfter, err)
		}
		if st, _ := fastKDF.State(dir); st != FileLegacy {
			t.Errorf("stop after %d: State = %v, want FileLegacy", stopAfter, st)
		}
		key, err := fastKDF.Unlock(dir, secret.New(fixturePassphrase))
		if err != nil {
			t.Fatalf("stop after %d: unlock after the interruption: %v", stopAfter, err)
		}
		checkMigrated(t, dir, key)
	}
	// Interrupted while copying: no item was touched yet, the partial
	// backup is dropped.
	dir := copyFixture(t)
	if err := os.Mkdir(filepath.Join(dir, migrationDirName), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, migrationDirName, "keyset:fixture-a"), []byte("half a cop"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := fastKDF.Unlock(dir, secret.New(fixturePassphrase))
	if err != nil {
		t.Fatal(err)
	}
	checkMigrated(t, dir, key)
}
