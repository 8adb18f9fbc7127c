package launch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without a home the log lives in a private per-uid directory, and a
// symlink planted where it goes (or in place of that directory) is refused,
// never followed.
func TestLogFallbackIsPrivateAndFollowsNoSymlink(t *testing.T) {
	tmp := t.TempDir()
	env := map[string]string{"TMPDIR": tmp}
	path := LogPath(func(k string) string { return env[k] })
	if filepath.Dir(path) == tmp || !strings.HasPrefix(path, tmp+"/") {
		t.Fatalf("fallback log %s is directly in the shared directory %s", path, tmp)
	}

	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	if f, err := OpenLog(path); err == nil || !strings.Contains(err.Error(), "symlink") {
		f.Close()
		t.Errorf("OpenLog through a planted symlink: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("victim changed to %q", b)
	}

	// The directory itself replaced by a symlink to someone's directory.
	os.RemoveAll(dir)
	other := t.TempDir()
	if err := os.Symlink(other, dir); err != nil {
		t.Fatal(err)
	}
	if f, err := OpenLog(path); err == nil {
		f.Close()
		t.Error("OpenLog into a symlinked directory succeeded")
	}
	if ents, _ := os.ReadDir(other); len(ents) != 0 {
		t.Errorf("files created through the symlinked directory: %v", ents)
	}

	// A hard link to another file of ours is not our log either.
	os.Remove(dir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(victim, path); err == nil {
		if f, err := OpenLog(path); err == nil {
			f.Close()
			t.Error("OpenLog on a hard link succeeded")
		}
		os.Remove(path)
	}

	f, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
}

func TestLogDirOfAnotherUserRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := filepath.Join(t.TempDir(), "spin-0")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if f, err := OpenLog(filepath.Join(dir, "spind.log")); err == nil || !strings.Contains(err.Error(), "uid 4242") {
		f.Close()
		t.Errorf("OpenLog in a directory of uid 4242: %v", err)
	}
}
