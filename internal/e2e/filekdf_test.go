package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A new file keyring refuses a weak passphrase and takes a good one,
// storing only Argon2id parameters and salt beside the items.
func TestFileKeyringNewPassphraseFloor(t *testing.T) {
	w := newWorld(t, worldOptions{backend: "file"})
	base := w.env
	w.env = append(append([]string{}, base...), "SPIN_KEYRING_PASSPHRASE=short")
	_, e, err := w.try("", "daemon", "start")
	if err == nil || !strings.Contains(e, "at least 12") || !strings.Contains(e, "spin: hint:") {
		t.Fatalf("daemon start with a weak new passphrase: %v\n%s", err, e)
	}
	const pass = "a long enough keyring passphrase"
	w.env = append(append([]string{}, base...), "SPIN_KEYRING_PASSPHRASE="+pass)
	w.run("", "daemon", "start")
	w.addKeys()
	dir := filepath.Join(w.home, "keyring")
	data, err := os.ReadFile(filepath.Join(dir, ".spin-kdf.json"))
	if err != nil || !strings.Contains(string(data), "argon2id") {
		t.Fatalf(".spin-kdf.json: %v\n%s", err, data)
	}
	if hits := append(filesContaining(t, w.home, pass), filesContaining(t, w.home, testSecret)...); len(hits) > 0 {
		t.Errorf("passphrase or secret in %v", hits)
	}
	// After a restart the same passphrase opens it, another does not.
	w.run("", "daemon", "stop")
	w.env = append(append([]string{}, base...), "SPIN_KEYRING_PASSPHRASE=another long passphrase")
	if _, e, err := w.try("", "daemon", "start"); err == nil || !strings.Contains(e, "wrong passphrase") {
		t.Errorf("daemon start with a wrong passphrase: %v\n%s", err, e)
	}
	w.env = append(append([]string{}, base...), "SPIN_KEYRING_PASSPHRASE="+pass)
	w.run("", "unlock")
	if out := w.run("", "keys", "list"); !strings.Contains(out, w.keySet) {
		t.Errorf("keys list after unlock:\n%s", out)
	}
}

// A keyring written before Argon2id (keystore's v1.5.0 fixture) is migrated
// by the first unlock through spind: every key set still there.
func TestFileKeyringMigratedOnUnlock(t *testing.T) {
	w := newWorld(t, worldOptions{backend: "file"})
	dir := filepath.Join(w.home, "keyring")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for src, item := range map[string]string{
		"keyset-fixture-a.jwe": "keyset:fixture-a",
		"keyset-fixture-b.jwe": "keyset:fixture-b",
		"other-app-item.jwe":   "other-app:item",
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "keystore", "testdata", "jose-v1.5.0", src))
		if err != nil {
			t.Fatal(err)
		}
		w.writeFile(filepath.Join(dir, item), string(data))
	}
	w.env = append(w.env, "SPIN_KEYRING_PASSPHRASE=fixture passphrase v1.5.0")
	w.run("", "daemon", "start")
	out := w.run("", "keys", "list")
	for _, want := range []string{"fixture-a", "AKIA…0001", "fixture-b", "AKIA…0002", "arn:aws:iam::123456789012:mfa/fixture"} {
		if !strings.Contains(out, want) {
			t.Errorf("keys list after migration lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".spin-kdf.json")); err != nil {
		t.Errorf("no .spin-kdf.json after migration: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".spin-migration")); !os.IsNotExist(err) {
		t.Errorf("migration backup left: %v", err)
	}
	logData, _ := os.ReadFile(filepath.Join(w.home, ".local", "state", "spin", "spind.log"))
	if !strings.Contains(string(logData), "migrated to an Argon2id-derived key") {
		t.Errorf("spind did not log the migration:\n%s", logData)
	}
}
