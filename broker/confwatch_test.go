package broker

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func writeConf(t *testing.T, path, roleSessionName string) {
	t.Helper()
	tmp := path + ".tmp"
	conf := "profiles:\n  p:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n    role_session_name: " + roleSessionName + "\n"
	if err := os.WriteFile(tmp, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil { // as editors save
		t.Fatal(err)
	}
}

func sessionNameIn(t *testing.T, c *confCache) string {
	t.Helper()
	conf, err := c.get(false)
	if err != nil {
		t.Fatal(err)
	}
	p, err := conf.Resolve("p")
	if err != nil {
		t.Fatal(err)
	}
	return p.RoleSessionName
}

// config.yaml is watched, not stat'ed per request, and every edit that
// finished before a request applies to it: saved in place, renamed over,
// removed and put back.
func TestConfigWatchSeesEveryEdit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("inotify")
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeConf(t, path, "one")
	c := &confCache{path: path}
	defer c.close()
	if got := sessionNameIn(t, c); got != "one" {
		t.Fatalf("got %q", got)
	}
	if c.watch == nil {
		t.Fatalf("not watching %s", path)
	}
	checked := c.checked
	if got := sessionNameIn(t, c); got != "one" || c.checked != checked {
		t.Errorf("unchanged file: got %q, re-checked %v", got, c.checked != checked)
	}
	writeConf(t, path, "two")
	if got := sessionNameIn(t, c); got != "two" {
		t.Errorf("after a rename over the file: %q, want two", got)
	}
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(string(data[:len(data)-len("two\n")])+"six\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := sessionNameIn(t, c); got != "six" {
		t.Errorf("after a write in place: %q, want six", got)
	}
	os.Remove(path)
	if conf, err := c.get(false); err == nil {
		if _, err := conf.Resolve("p"); err == nil {
			t.Errorf("removed file: profile p still resolves")
		}
	}
	writeConf(t, path, "back")
	if got := sessionNameIn(t, c); got != "back" {
		t.Errorf("after putting it back: %q", got)
	}
	// The directory goes away and comes back: the watch is made afresh.
	dir := filepath.Dir(path)
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir + ".old")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeConf(t, path, "anew")
	if got := sessionNameIn(t, c); got != "anew" {
		t.Errorf("after the directory was replaced: %q", got)
	}
	writeConf(t, path, "again")
	if got := sessionNameIn(t, c); got != "again" || c.watch == nil {
		t.Errorf("watching the new directory: %q, watch %v", got, c.watch != nil)
	}
}

// A symlinked config.yaml (dotfile managers) is polled, at most once a
// second, since a watch on its directory would not see the target change.
func TestSymlinkedConfigIsPolled(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "spin.yaml")
	os.Mkdir(filepath.Dir(target), 0o700)
	writeConf(t, target, "one")
	path := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	c := &confCache{path: path}
	defer c.close()
	if got := sessionNameIn(t, c); got != "one" || c.watch != nil {
		t.Fatalf("got %q, watching %v; want one, polling", got, c.watch != nil)
	}
	writeConf(t, target, "two")
	if got := sessionNameIn(t, c); got != "one" {
		t.Errorf("within the second: %q, want the cached one", got)
	}
	c.checked = c.checked.Add(-confPollInterval)
	if got := sessionNameIn(t, c); got != "two" {
		t.Errorf("a second later: %q, want two", got)
	}
	writeConf(t, target, "six")
	if _, err := c.get(true); err != nil { // spin daemon reload
		t.Fatal(err)
	}
	if got := sessionNameIn(t, c); got != "six" {
		t.Errorf("after a forced reload: %q, want six", got)
	}
}

// A credentials request looks at config.yaml once, for the idle lock and
// the answer both: each look is an inotify read (or a stat when polling).
func TestCredentialsLookAtConfigOnce(t *testing.T) {
	f := newFixture(t, lockConfig, time.Now)
	f.get(t, "/v1/credentials/p") // makes the session
	for _, path := range []string{"/v1/credentials/p", "/v1/credentials/boot", "/v1/credentials/nosuch"} {
		f.b.conf.mu.Lock()
		before := f.b.conf.looks
		f.b.conf.mu.Unlock()
		f.get(t, path)
		f.b.conf.mu.Lock()
		looks := f.b.conf.looks - before
		f.b.conf.mu.Unlock()
		if looks != 1 {
			t.Errorf("GET %s looked at config.yaml %d times, want 1", path, looks)
		}
	}
}
