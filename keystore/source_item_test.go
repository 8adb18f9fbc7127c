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

	"github.com/cloudspin/spin/internal/secret"
)

func TestSourceItems(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyring")
	s := openFile(t, dir, fixed("correct horse"))
	ctx := context.Background()
	const token = "refresh-token-that-must-not-leak"
	if err := s.PutSource(ctx, "me", secret.New(`{"refresh_token":"`+token+`"}`)); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSource(ctx, "me")
	if err != nil || !strings.Contains(got.Reveal(), token) {
		t.Fatalf("GetSource = %v, %v", got, err)
	}
	// A source's item is not a key set.
	if names, err := s.List(ctx); err != nil || len(names) != 0 {
		t.Fatalf("List = %v, %v; want no key sets", names, err)
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		if strings.Contains(string(b), token) {
			t.Errorf("%s holds the token in clear", f.Name())
		}
	}
	if err := s.RemoveSource(ctx, "me"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSource(ctx, "me"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetSource after RemoveSource = %v, want ErrNotFound", err)
	}
	if err := s.RemoveSource(ctx, "me"); err != nil {
		t.Fatalf("RemoveSource of a missing item = %v, want nil", err)
	}
}
