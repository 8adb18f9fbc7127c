package profiles

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// spind recording its keyring backend and `spin profiles import` adding
// profiles edit config.yaml at the same time: both take its lock, so no
// edit is lost and the file always loads.
func TestConfigWritersRace(t *testing.T) {
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "spin", "config.yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("# mine\ndefaults:\n  region: eu-west-1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		const n = 12
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := RecordKeyringBackend(ctx, path, "file"); err != nil {
				t.Errorf("record: %v", err)
			}
		})
		for i := range n {
			wg.Go(func() {
				p := Profile{Name: fmt.Sprintf("p%d", i), Source: "k", RoleARN: "arn:aws:iam::123456789012:role/r"}
				if err := WriteConfigProfiles(ctx, path, []Profile{p}, false); err != nil {
					t.Errorf("import %s: %v", p.Name, err)
				}
			})
		}
		wg.Wait()
		c, err := Load(path)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if c.Keyring.Backend != "file" || len(c.Profiles) != n {
			t.Errorf("round %d: backend %q and %d profiles, want file and %d: an edit was lost", round, c.Keyring.Backend, len(c.Profiles), n)
		}
	}
}
