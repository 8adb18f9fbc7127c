package profiles

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// inserted is all addKeyringBackend may add: the backend line, maybe under
// a new keyring: line, maybe after a newline the file lacked at its end.
var inserted = regexp.MustCompile(`^(\r?\n)?( *keyring:\r?\n)? *backend: file\r?\n$`)

// TestAddKeyringBackendGolden runs every testdata/record/*.yaml through
// addKeyringBackend. A file it leaves alone has a golden equal to itself.
func TestAddKeyringBackendGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/record/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := addKeyringBackend("config.yaml", src, "file")
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				got = src
			} else {
				checkOnlyInserted(t, src, got)
				if c := parse(t, string(got)); c.Keyring.Backend != "file" {
					t.Errorf("got backend %q after the edit, want file", c.Keyring.Backend)
				}
			}
			golden(t, strings.TrimSuffix(in, ".yaml")+".golden", got)
		})
	}
}

// checkOnlyInserted asserts that got is src with one insertion of the
// expected shape: every byte of the user's file is kept.
func checkOnlyInserted(t *testing.T, src, got []byte) {
	t.Helper()
	k := len(got) - len(src)
	for i := 0; k > 0 && i <= len(src); i++ {
		if bytes.Equal(got[:i], src[:i]) && bytes.Equal(got[i+k:], src[i:]) && inserted.Match(got[i:i+k]) {
			return
		}
	}
	t.Errorf("edit is not a single insertion of the backend:\n%s", got)
}

func TestAddKeyringBackendRefuses(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"flow root", "{profiles: {}}\n", "cannot edit config.yaml safely"},
		{"flow keyring", "keyring: {file_dir: /k}\n", "cannot edit config.yaml safely"},
		{"null keyring", "keyring: ~\n", "cannot edit config.yaml safely"},
		{"empty backend", "keyring:\n  backend: \"\"\n", "config.yaml:2:12: keyring.backend is empty; set it to file"},
		{"broken config", "keyring:\n  backend: gnome\n", `config.yaml:2:12: unknown keyring backend "gnome"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := addKeyringBackend("config.yaml", []byte(tt.src), "file")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, %v; want an error containing %q", got, err, tt.want)
			}
		})
	}
}

func TestRecordKeyringBackendCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config", "spin")
	path := filepath.Join(dir, "config.yaml")
	if err := RecordKeyringBackend(context.Background(), path, "secret-service"); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "keyring:\n  backend: secret-service\n", 0o600)
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("got directory %v, %v; want mode 0700", fi.Mode(), err)
	}
	// Already set: a second call with another backend changes nothing.
	if err := RecordKeyringBackend(context.Background(), path, "pass"); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "keyring:\n  backend: secret-service\n", 0o600)
}

func TestRecordKeyringBackendKeepsModeAndSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "spin.yaml")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	src := "# mine\nprofiles:\n  b:\n    source: k # keep\n"
	if err := os.WriteFile(target, []byte(src), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o640); err != nil { // past the umask
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := RecordKeyringBackend(context.Background(), link, "keyctl"); err != nil {
		t.Fatal(err)
	}
	checkFile(t, target, src+"keyring:\n  backend: keyctl\n", 0o640)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("got %v, %v; want the symlink kept", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "dotfiles", ".*tmp*")); len(left) != 0 {
		t.Errorf("temp files left behind: %q", left)
	}
}

func TestRecordKeyringBackendErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	for _, b := range []string{"auto", "gnome", ""} {
		if err := RecordKeyringBackend(context.Background(), path, b); err == nil {
			t.Errorf("RecordKeyringBackend(context.Background(), %q) = nil, want an error", b)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("got %v, want no file written for a bad backend", err)
	}
	broken := "profiles: [x]\n"
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RecordKeyringBackend(context.Background(), path, "file"); err == nil || !strings.Contains(err.Error(), path+":1:11: ") {
		t.Errorf("got %v, want the parse error with its position", err)
	}
	checkFile(t, path, broken, 0o600)
	dangling := filepath.Join(dir, "dangling.yaml")
	if err := os.Symlink(filepath.Join(dir, "missing", "x.yaml"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := RecordKeyringBackend(context.Background(), dangling, "file"); err == nil {
		t.Error("got nil for a dangling symlink, want an error")
	}
}

func checkFile(t *testing.T, path, want string, mode os.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("%s: got %q, want %q", path, got, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
		t.Errorf("%s: got mode %v, %v; want %v", path, fi.Mode().Perm(), err, mode)
	}
}
