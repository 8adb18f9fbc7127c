package profiles

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var importedProfiles = []Profile{
	{Name: "assume-new", Source: "cloudspin_user", RoleARN: "arn:aws:iam::123456789012:role/spin_role-new",
		RoleSessionName: "{{user}}-import", ExternalID: "123456", MFASerial: "arn:aws:iam::123456789012:mfa/me",
		Region: "us-east-1", Duration: 90 * time.Minute},
	{Name: "plain", Source: "other_user", RoleARN: "arn:aws:iam::123456789012:role/plain"},
}

// TestInsertProfilesGolden adds two profiles to every
// testdata/import/*.yaml; the result must be the input with one block
// inserted (InsertProfiles itself checks that it parses to the input's
// config plus the two).
func TestInsertProfilesGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/import/*.yaml")
	if err != nil || len(files) < 8 {
		t.Fatalf("got %d inputs (%v), want at least 8", len(files), err)
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src := readTestFile(t, in)
			got, err := InsertProfiles("config.yaml", src, importedProfiles, false)
			if err != nil {
				t.Fatal(err)
			}
			checkOneInsertion(t, src, got)
			golden(t, strings.TrimSuffix(in, ".yaml")+".golden", got)
		})
	}
}

// checkOneInsertion fails unless got is src with one block of text
// inserted, and a line ending added where the input lacked one at its end.
func checkOneInsertion(t *testing.T, src, got []byte) {
	t.Helper()
	s := string(src)
	if s != "" && !strings.HasSuffix(s, "\n") {
		// InsertProfiles ends the last line first, in the file's style.
		if strings.Contains(s, "\r\n") {
			s += "\r\n"
		} else {
			s += "\n"
		}
	}
	k := len(got) - len(s)
	for i := 0; k > 0 && i <= len(s); i++ {
		if string(got[:i]) == s[:i] && string(got[i+k:]) == s[i:] {
			return
		}
	}
	t.Errorf("the result is not the input with one insertion:\n%s", got)
}

func TestInsertProfilesReplace(t *testing.T) {
	src := readTestFile(t, "testdata/import/design.yaml")
	repl := []Profile{
		{Name: "bootstrap", Source: "new_admin"},
		{Name: "assume-cloudspin_examples-account", Source: "cloudspin_user", RoleARN: "arn:aws:iam::210987654321:role/moved"},
		importedProfiles[1],
	}
	if _, err := InsertProfiles("config.yaml", src, repl, false); !errors.As(err, new(*ProfileExistsError)) ||
		err.Error() != "config.yaml already defines profiles bootstrap, assume-cloudspin_examples-account" {
		t.Fatalf("without replace: got %v, want a ProfileExistsError naming both", err)
	}
	got, err := InsertProfiles("config.yaml", src, repl, true)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/import/design.replace", got)
}

func TestInsertProfilesRefuses(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"flow profiles", "profiles: {}\n", "cannot edit config.yaml safely"},
		{"null profiles", "profiles: ~\n", "cannot edit config.yaml safely"},
		{"flow root", "{keyring: {backend: pass}}\n", "cannot edit config.yaml safely"},
		{"lone CR", "keyring:\r  backend: pass\n", "cannot edit config.yaml safely"},
		{"invalid config", "profiles:\n  x:\n    sorce: y\n", `unknown key "sorce"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := InsertProfiles("config.yaml", []byte(tt.src), importedProfiles, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	// A profile spin would not load is never written.
	bad := []Profile{{Name: "bad", Source: "u", RoleARN: "arn:aws:iam::1:role/x"}}
	if _, err := InsertProfiles("config.yaml", nil, bad, false); err == nil || !strings.Contains(err.Error(), "would not load") {
		t.Errorf("bad role ARN: got %v, want a refusal", err)
	}
}

func TestWriteConfigProfiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spin", "config.yaml")
	if err := WriteConfigProfiles(context.Background(), path, importedProfiles[1:], false); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new file: %v, %v; want mode 0600", fi, err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteConfigProfiles(context.Background(), path, importedProfiles[:1], false); err != nil {
		t.Fatal(err)
	}
	c := parseFile(t, path)
	if len(c.Order) != 2 || c.Profiles["assume-new"].Duration != 90*time.Minute {
		t.Errorf("got profiles %v, want plain and assume-new", c.Order)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", fi.Mode())
	}
	// No temp file stays; the lock file that spind's writes share does.
	if got := dirEntries(t, filepath.Dir(path)); !slices.Equal(got, []string{"config.yaml", "config.yaml.spin.lock"}) {
		t.Errorf("directory holds %q, want config.yaml and its lock file", got)
	}
}
