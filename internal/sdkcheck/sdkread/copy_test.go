package sdkread

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudspin/spin/internal/sdkcheck"
)

// Where there is no memfd the copy is a 0600 file beside the target,
// removed when the check is done.
func TestSiblingValidationCopy(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "config")
	path, done, err := siblingCopy(target, []byte("[profile p]\nregion = eu-west-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != dir {
		t.Errorf("copy %s is outside %s", path, dir)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("copy mode %v, err %v", st.Mode().Perm(), err)
	}
	if err := Check(context.Background(), sdkcheck.Request{Config: []byte("[profile p]\nregion = eu-west-1\n"), ConfigTarget: target, Profiles: []sdkcheck.Profile{{Name: "p", Region: "eu-west-1"}}}); err != nil {
		t.Errorf("validate: %v", err)
	}
	done()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("copy left behind: %v", err)
	}
}
