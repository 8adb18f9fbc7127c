//go:build unix

// The keyring test kit (internal/testkeyring) drives unix daemons.

package keystore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/secret"
)

// fixturePassphrase opens testdata/jose-v1.5.0 (see its README).
const fixturePassphrase = "fixture passphrase v1.5.0"

// fixtureKeySets are the key sets testdata/jose-v1.5.0 holds.
var fixtureKeySets = []KeySet{
	{Name: "fixture-a", AccessKeyID: "AKIAFIXTUREA00000001", SecretAccessKey: secret.New("fixtureSecretA/abcdefghijklmnopqrstuvwxyz")},
	{Name: "fixture-b", AccessKeyID: "AKIAFIXTUREB00000002", SecretAccessKey: secret.New("fixtureSecretB/abcdefghijklmnopqrstuvwxyz"), MFASerial: "arn:aws:iam::123456789012:mfa/fixture"},
}

// copyFixture lays the v1.5.0 keyring out under its items' real names
// (module zips allow no ':' in file names) in a new private directory.
func copyFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keyring")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for src, item := range map[string]string{
		"keyset-fixture-a.jwe": "keyset:fixture-a",
		"keyset-fixture-b.jwe": "keyset:fixture-b",
		"other-app-item.jwe":   "other-app:item",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "jose-v1.5.0", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, item), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The jose2go in go.mod reads file-keyring items that jose2go v1.5.0 wrote
// (keyrings made before the bump), and a wrong passphrase is still told
// apart from a damaged file.
func TestReadsItemsWrittenByJose150(t *testing.T) {
	dir := copyFixture(t)
	ctx := context.Background()
	s := openFile(t, dir, fixed(fixturePassphrase))
	names, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"fixture-a", "fixture-b"}, names); diff != "" {
		t.Fatalf("List (-want +got):\n%s", diff)
	}
	for _, want := range fixtureKeySets {
		got, err := s.Get(ctx, want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, secretEqual); diff != "" {
			t.Errorf("Get(%s) (-want +got):\n%s", want.Name, diff)
		}
	}
	wrong := openFile(t, dir, fixed("not the fixture passphrase"))
	if _, err := wrong.Get(ctx, "fixture-a"); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("Get with a wrong passphrase = %v, want ErrBadPassphrase", err)
	}
}
