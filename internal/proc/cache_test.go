//go:build linux

package proc

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitPID reads the pid a script wrote to path.
func waitPID(t *testing.T, path string) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		data, _ := os.ReadFile(path)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
			return pid
		}
	}
	t.Fatalf("no pid in %s", path)
	return 0
}

// A process that exec's the same interpreter on another script keeps its
// pid, start time and executable: the cache must not give it the first
// script, and Same must see that it changed.
func TestCacheSeesExecOfSameInterpreter(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	// Each script starts a sleep (whose chain goes through the script's
	// shell) and waits on stdin; the first then execs the second.
	scripts := map[string]string{
		first:  "#!/bin/sh\nsleep 30 &\necho $! >" + dir + "/pid1\nread x\nkill $!\nexec /bin/sh " + second + "\n",
		second: "#!/bin/sh\nsleep 30 &\necho $! >" + dir + "/pid2\nread x\nkill $!\n",
	}
	for path, text := range scripts {
		if err := os.WriteFile(path, []byte(text), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(first)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	shell := cmd.Process.Pid

	c := NewCache(0)
	sleep1 := waitPID(t, dir+"/pid1")
	chain, _ := c.Chain(sleep1, 8)
	if len(chain) < 2 || chain[1].PID != shell || chain[1].Script != first {
		t.Fatalf("chain %+v, want sleep and the script %s", chain, first)
	}
	misses := c.misses
	if again, _ := c.Chain(sleep1, 8); again[1].Script != first || c.misses != misses {
		t.Fatalf("second chain %+v, %d misses more; want the script from the cache", again, c.misses-misses)
	}
	before := IdentOf(shell)
	w := NewWatch(shell, before)
	t.Cleanup(w.Close)
	if !w.Same() {
		t.Fatal("a Watch of an unchanged process says it changed")
	}

	if _, err := io.WriteString(stdin, "\n"); err != nil { // exec /bin/sh second
		t.Fatal(err)
	}
	sleep2 := waitPID(t, dir+"/pid2")
	chain, _ = c.Chain(sleep2, 8)
	if len(chain) < 2 || chain[1].PID != shell || chain[1].Script != second {
		t.Errorf("after the exec: chain %+v, want the shell (pid %d) running %s", chain, shell, second)
	}
	if after := IdentOf(shell); after.Exe() != before.Exe() || Same(shell, before) {
		t.Errorf("Same after the exec = %v (executable %s, was %s); want false, same executable", Same(shell, before), after.Exe(), before.Exe())
	}
	if !Same(shell, IdentOf(shell)) {
		t.Error("Same of an unchanged process is false")
	}
	if w.Same() {
		t.Error("a Watch opened before the exec says the process is unchanged")
	}
	stdin.Close() // the second script ends
	_ = cmd.Wait()
	if w.Same() {
		t.Error("a Watch of a process that has gone says it is unchanged")
	}
}

// The cache's decisions, with the Idents a process could show: only the
// same process (pid and start time) running the same executable with
// the same command line gets the derived script from the cache.
func TestCacheKeysOnStartTimeAndIdent(t *testing.T) {
	dir := t.TempDir()
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n:\n"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	runs := func(exe, script string) Ident { return Ident{exe: exe, cmdline: "sh\x00" + script + "\x00"} }
	c := NewCache(0)
	const pid, start = 4242, 1000

	if got, _ := c.derive(true, pid, start, runs(sh, a)); got != a {
		t.Fatalf("script %q, want %q", got, a)
	}
	if got, _ := c.derive(true, pid, start, runs(sh, a)); got != a || c.misses != 1 {
		t.Errorf("same process again: script %q after %d misses, want %q from the cache", got, c.misses, a)
	}
	// a's #! now names another interpreter: a new process under a reused
	// pid (another start time) running `sh a` is not a's script any more.
	if err := os.WriteFile(a, []byte("#!/usr/bin/python3\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.derive(true, pid, start+1, runs(sh, a)); got != "" {
		t.Errorf("reused pid, new start time: script %q from the cache, want none", got)
	}
	// Exec keeps pid and start time: the same interpreter on another
	// script, then another program with the same arguments.
	if got, _ := c.derive(true, pid, start+1, runs(sh, b)); got != b {
		t.Errorf("exec'd sh %s: script %q, want %q", b, got, b)
	}
	if got, _ := c.derive(true, pid, start+1, runs("/usr/bin/python3", b)); got != "" {
		t.Errorf("exec'd python3 %s: script %q, want none (b is a sh script)", b, got)
	}
	// The peer is never looked up, nor is a process of unknown start time.
	misses := c.misses
	c.derive(false, pid, start+1, runs("/usr/bin/python3", b))
	c.derive(true, pid, 0, runs("/usr/bin/python3", b))
	if c.misses != misses {
		t.Errorf("the peer or a process without a start time went through the cache")
	}
}

// The cache holds at most its size, dropping the least recently used.
func TestCacheBounded(t *testing.T) {
	script := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	id := Ident{exe: "/bin/sh", cmdline: "sh\x00" + script}
	c := NewCache(4)
	for pid := 1; pid <= 10; pid++ {
		c.derive(true, pid, 1, id)
		c.derive(true, 1, 1, id) // pid 1 stays in use
	}
	if len(c.entries) != 4 || c.entries[1] == nil || c.entries[10] == nil {
		t.Errorf("entries %v, want 4 of them with pids 1 and 10", keys(c.entries))
	}
	// A wrapper (a new `sh -c` per helper) is not kept.
	c.derive(true, 11, 1, Ident{exe: "/bin/sh", cmdline: "sh\x00-c\x00" + script})
	if c.entries[11] != nil {
		t.Error("a sh -c wrapper was cached")
	}
}

func keys(m map[int]*cacheEntry) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A caller's argument may name a FIFO or a terminal: looking for a script
// there neither blocks nor reads it.
func TestScriptOfSkipsWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sh, _ := filepath.EvalSymlinks("/bin/sh")
	done := make(chan string, 1)
	go func() {
		done <- scriptOf(sh, []string{"sh", fifo}) + scriptOf(sh, []string{"sh", dir}) + scriptOf(sh, []string{"sh", "/dev/null"})
	}()
	select {
	case got := <-done:
		if got != "" {
			t.Errorf("scripts %q, want none", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("scriptOf blocked on a FIFO")
	}
}

// What a chain costs when its ancestors are cached: this test binary is
// read in full, as a helper is, and its parents through the cache.
func BenchmarkChainCached(b *testing.B) {
	pid, c := os.Getpid(), NewCache(0)
	for b.Loop() {
		c.Chain(pid, 8)
	}
}
