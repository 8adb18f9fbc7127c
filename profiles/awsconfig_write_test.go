package profiles

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/hint"
)

func syncEdit(h Helper, want []AWSProfile, o SyncOptions) func(*AWSConfig) ([]Change, error) {
	return func(doc *AWSConfig) ([]Change, error) { return Sync(doc, h, want, o) }
}

// dirEntries lists the names in dir, to catch temp and lock debris.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestAWSConfigPath(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HOME": "/home/u"}, "/home/u/.aws/config"},
		{map[string]string{"HOME": "/home/u", "AWS_CONFIG_FILE": "/etc/aws.conf"}, "/etc/aws.conf"},
		{map[string]string{"HOME": "/home/u", "AWS_CONFIG_FILE": "~/alt/config"}, "/home/u/alt/config"},
		{map[string]string{}, "error"},
	}
	for _, tt := range tests {
		got, err := AWSConfigPath(func(k string) string { return tt.env[k] })
		if err != nil {
			got = "error"
		}
		if got != tt.want {
			t.Errorf("AWSConfigPath(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestUpdateAWSConfigCreates(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".aws", "config")
	u, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(testHelper, testWant, SyncOptions{}))
	if err != nil || !u.Written || u.Backup != "" {
		t.Fatalf("got %+v, %v; want a new file and no backup", u, err)
	}
	checkFile(t, path, string(u.New), 0o600)
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("got %v, %v; want ~/.aws created 0700", fi.Mode(), err)
	}
	if got := dirEntries(t, filepath.Dir(path)); !slices.Equal(got, []string{"config", "config.spin.lock"}) {
		t.Errorf("got %q in ~/.aws, want config and its lock file only", got)
	}
}

func TestUpdateAWSConfigKeepsModeBackupAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	old := "# mine\r\n[default]\r\nregion = us-east-1\r\n"
	if err := os.WriteFile(path, []byte(old), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil { // past the umask
		t.Fatal(err)
	}
	u, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(testHelper, testWant, SyncOptions{}))
	if err != nil || !u.Written {
		t.Fatalf("got %+v, %v; want written", u, err)
	}
	checkFile(t, path, string(u.New), 0o640)
	checkFile(t, path+".spin.bak", old, 0o640)
	fi1, _ := os.Stat(path)
	bak1, _ := os.Stat(path + ".spin.bak")
	time.Sleep(10 * time.Millisecond)

	u2, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(testHelper, testWant, SyncOptions{}))
	if err != nil || u2.Written || string(u2.New) != string(u.New) {
		t.Fatalf("second run: got written=%v, %v; want nothing written", u2.Written, err)
	}
	fi2, _ := os.Stat(path)
	bak2, _ := os.Stat(path + ".spin.bak")
	if !os.SameFile(fi1, fi2) || !fi1.ModTime().Equal(fi2.ModTime()) || !bak1.ModTime().Equal(bak2.ModTime()) {
		t.Errorf("a run without changes touched the file or its backup")
	}
}

// Pruning every profile of a file spin created leaves it empty, and an
// empty file is a valid AWS config: the SDK check must pass it, not
// refuse it as a malformed request.
func TestUpdateAWSConfigRemovesLastProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if _, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(testHelper, testWant, SyncOptions{})); err != nil {
		t.Fatal(err)
	}
	u, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(testHelper, nil, SyncOptions{Prune: true}))
	if err != nil || !u.Written {
		t.Fatalf("got written=%v, %v; want every profile removed", u != nil && u.Written, err)
	}
	checkFile(t, path, "", 0o600)
}

func TestUpdateAWSConfigFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "aws-config")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("[default]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	u, err := UpdateAWSConfig(context.Background(), link, false, syncEdit(testHelper, testWant, SyncOptions{}))
	if err != nil || u.Path != target {
		t.Fatalf("got %+v, %v; want the target edited", u, err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("got %v, %v; want the symlink kept", fi.Mode(), err)
	}
	if _, err := os.Stat(target + ".spin.bak"); err != nil {
		t.Errorf("want the backup next to the target: %v", err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "missing", "config"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := UpdateAWSConfig(context.Background(), dangling, false, syncEdit(testHelper, testWant, SyncOptions{})); err == nil || !strings.Contains(err.Error(), "symlink to a missing file") {
		t.Errorf("got %v for a dangling symlink, want an error", err)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink("loop", loop); err != nil {
		t.Fatal(err)
	}
	_, err = UpdateAWSConfig(context.Background(), loop, false, syncEdit(testHelper, testWant, SyncOptions{}))
	if want := loop + ": cannot follow the symlink: "; err == nil || !strings.HasPrefix(err.Error(), want) || hint.Of(err) != "check it with 'ls -l "+loop+"'" {
		t.Errorf("got %v (hint %q) for a symlink loop, want %q... naming the file, with a hint", err, hint.Of(err), want)
	}
}

func TestUpdateAWSConfigRefusals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	old := "[profile spin-new]\nregion = us-east-1\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(testHelper, testWant, SyncOptions{}))
	var ue *UnmanagedError
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), path+": profile spin-new (line 1)") {
		t.Errorf("got %v, want an UnmanagedError naming the file and line", err)
	}
	checkFile(t, path, old, 0o600)
	if _, err := os.Stat(path + ".spin.bak"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want no backup for a refused edit", err)
	}
}

func TestUpdateAWSConfigDryRunCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".aws")
	u, err := UpdateAWSConfig(context.Background(), filepath.Join(dir, "config"), true, syncEdit(testHelper, testWant, SyncOptions{}))
	if err != nil || u.Written || len(u.New) == 0 {
		t.Fatalf("got %+v, %v; want the new content, unwritten", u, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dry run created %s: %v", dir, err)
	}
}

// chattr sets an attribute and always clears it again, so t.TempDir can
// clean up. Only root may set +i; elsewhere the test is skipped.
func chattr(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("chattr +i not possible here (needs root and a filesystem with attributes): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

func TestUpdateAWSConfigUnwritable(t *testing.T) {
	for _, what := range []string{"file", "directory"} {
		t.Run(what, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config")
			old := "[default]\nregion = us-east-1"
			if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
				t.Fatal(err)
			}
			before := dirEntries(t, dir)
			if what == "file" {
				chattr(t, path)
			} else {
				chattr(t, dir)
			}
			_, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(testHelper, testWant, SyncOptions{}))
			if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "cannot write "+path) {
				t.Errorf("got %v, want a permission error naming %s", err, path)
			} else {
				t.Log(err)
			}
			checkFile(t, path, old, 0o600)
			after := dirEntries(t, dir)
			after = slices.DeleteFunc(after, func(n string) bool { return n == "config.spin.lock" })
			if !slices.Equal(after, before) {
				t.Errorf("got %q in the directory, want %q: debris left", after, before)
			}
		})
	}
}

func TestValidateRefuses(t *testing.T) {
	tests := []struct {
		name, data string
		ch         Change
		want       string
	}{
		// Why --config goes before the subcommand: a value that starts and
		// ends with a quote loses both.
		{"quotes stripped", "[profile p]\ncredential_process = '/bin/spin' credential-process p --config '/c.yaml'\n",
			Change{Name: "p", Action: Added, CredentialProcess: "'/bin/spin' credential-process p --config '/c.yaml'"},
			"aws-sdk-go-v2 would read profile p's credential_process as \"/bin/spin' credential-process p --config '/c.yaml\""},
		{"lone quote", "[profile p]\ncredential_process = x\nregion = \"\n",
			Change{Name: "p", Action: Added, CredentialProcess: "x"}, "aws-sdk-go-v2 cannot load profile p from the result: its reader panics"},
		{"missing", "[p]\ncredential_process = x\n", Change{Name: "p", Action: Added}, "aws-sdk-go-v2 does not find profile p"},
		{"region", "[profile p]\ncredential_process = x\nregion = a # b\n",
			Change{Name: "p", Action: Updated, CredentialProcess: "x", Region: "a # b"}, "aws-sdk-go-v2 would read profile p's region as \"a\""},
		{"still there", "[profile p]\n", Change{Name: "p", Action: Removed}, "aws-sdk-go-v2 still reads profile p after its removal"},
	}
	for _, tt := range tests {
		err := validate(context.Background(), filepath.Join(t.TempDir(), "config"), []byte(tt.data), []Change{tt.ch})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestHelperFor(t *testing.T) {
	dir := t.TempDir()
	spin, lean := filepath.Join(dir, "real", "spin"), filepath.Join(dir, "real", "spin-credential-process")
	link := filepath.Join(dir, "bin", "spin")
	for _, d := range []string{filepath.Dir(spin), filepath.Dir(link)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(spin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(spin, link); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		prep func() error
		want Helper
	}{
		{"spin alone", func() error { return nil }, Helper{Path: spin}},
		{"helper not executable", func() error { return os.WriteFile(lean, nil, 0o644) }, Helper{Path: spin}},
		{"lean helper next to the link's target", func() error { return os.Chmod(lean, 0o755) }, Helper{Path: lean, Lean: true}},
	}
	for _, s := range steps {
		if err := s.prep(); err != nil {
			t.Fatal(err)
		}
		if got, err := HelperFor(link); err != nil || got != s.want {
			t.Errorf("%s: HelperFor(%s) = %+v, %v; want %+v", s.name, link, got, err, s.want)
		}
	}
}
