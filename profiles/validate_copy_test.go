package profiles

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Writing ~/.aws/config checks the result through aws-sdk-go-v2 from a copy
// that is never written outside the target's own directory: a temp
// directory that does not exist does not matter, and the target's
// directory holds only the file, its backup and its lock afterwards.
func TestValidationCopyStaysOutOfTempDir(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), "missing")
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	target := filepath.Join(dir, "config")
	if err := os.WriteFile(target, []byte("[default]\naws_secret_access_key = keepMeOffTmp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := UpdateAWSConfig(context.Background(), target, false, func(c *AWSConfig) ([]Change, error) {
		act, err := c.SetProfile("p", []string{"[profile p]", Marker, "credential_process = /bin/true", "region = eu-west-1"}, false)
		return []Change{{Name: "p", Action: act, CredentialProcess: "/bin/true", Region: "eu-west-1"}}, err
	})
	if err != nil || !u.Written {
		t.Fatalf("update: %v %+v", err, u)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("TMPDIR holds %v after the write", ents)
	}
	var names []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "config config.spin.bak config.spin.lock" {
		t.Errorf("target directory holds %s", got)
	}
}
