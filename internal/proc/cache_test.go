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

// writeScripts writes each script, executable, at its path.
func writeScripts(t *testing.T, scripts map[string]string) {
	t.Helper()
	for path, text := range scripts {
		if err := os.WriteFile(path, []byte(text), 0o700); err != nil {
			t.Fatal(err)
		}
	}
}

// startPiped starts path with a pipe to its stdin, which the test writes
// to when the process should go on; both end with the test.
func startPiped(t *testing.T, path string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, stdin
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
	writeScripts(t, scripts)
	cmd, stdin := startPiped(t, first)
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

// startScripts starts n copies of a shell script that starts a sleep and
// waits; it returns the scripts' and the sleeps' pids.
func startScripts(t *testing.T, n int) (shells, sleeps []int) {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		script := filepath.Join(dir, "tool"+strconv.Itoa(i))
		text := "#!/bin/sh\nsleep 30 &\necho $! >" + script + ".pid\nwait\n"
		writeScripts(t, map[string]string{script: text})
		cmd := exec.Command(script)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sleep := waitPID(t, script+".pid")
		t.Cleanup(func() { _ = syscall.Kill(sleep, syscall.SIGKILL); _ = cmd.Process.Kill(); _ = cmd.Wait() })
		shells, sleeps = append(shells, cmd.Process.Pid), append(sleeps, sleep)
	}
	return shells, sleeps
}

// openFiles counts this process's open files.
func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

// The cache holds at most its size, dropping the least recently used,
// and keeps one file open per entry, none after Close.
func TestCacheBounded(t *testing.T) {
	shells, sleeps := startScripts(t, 6)
	before := openFiles(t) // after the starts: a started process holds a pidfd
	c := NewCache(4)
	for i, sleep := range sleeps {
		chain, _ := c.Chain(sleep, 3)
		if len(chain) < 2 || chain[1].PID != shells[i] || chain[1].Script == "" {
			t.Fatalf("chain %+v, want the sleep and its script (pid %d)", chain, shells[i])
		}
	}
	if len(c.entries) != 4 {
		t.Errorf("%d entries (pids %v), want 4", len(c.entries), keys(c.entries))
	}
	if c.entries[shells[0]] != nil || c.entries[shells[5]] == nil {
		t.Errorf("entries %v: want the first script dropped and the last kept", keys(c.entries))
	}
	if open := openFiles(t) - before; open != len(c.entries) {
		t.Errorf("%d more files open for %d entries, want 1 each", open, len(c.entries))
	}
	c.Close()
	if open := openFiles(t) - before; open != 0 {
		t.Errorf("%d more files open after Close, want none", open)
	}
	if chain, _ := c.Chain(sleeps[5], 3); len(chain) < 2 || chain[1].PID != shells[5] || len(c.entries) != 0 {
		t.Errorf("after Close: chain %+v and %d entries, want the chain read afresh and nothing kept", chain, len(c.entries))
	}
}

// An ancestor that has gone is the first to go, with its file, when the
// cache is full, before the least recently used.
func TestCacheDropsAncestorThatWent(t *testing.T) {
	shells, sleeps := startScripts(t, 3)
	before := openFiles(t) // after the starts: a started process holds a pidfd
	c := NewCache(0)
	t.Cleanup(c.Close)
	// shells[1] is cached, then shells[0] used again: shells[1] is the
	// least recently used.
	for _, s := range []int{sleeps[0], sleeps[1], sleeps[0]} {
		c.Chain(s, 2)
	}
	if len(c.entries) != 2 || c.entries[shells[0]] == nil || c.entries[shells[1]] == nil {
		t.Fatalf("entries %v, want the scripts' shells %d and %d", keys(c.entries), shells[0], shells[1])
	}
	if err := syscall.Kill(shells[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !c.entries[shells[0]].files.gone() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	c.size = 2
	c.Chain(sleeps[2], 2)
	if len(c.entries) != 2 || c.entries[shells[1]] == nil || c.entries[shells[2]] == nil {
		t.Errorf("entries %v: want the killed shell %d dropped for %d, and %d kept", keys(c.entries), shells[0], shells[2], shells[1])
	}
	if open := openFiles(t) - before; open != len(c.entries) {
		t.Errorf("%d more files open for %d entries, want 1 each", open, len(c.entries))
	}
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

func keys(m map[int]*cacheEntry) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A peer running one of spin's own programs is known by its executable:
// no script is looked for and its command line is not read. Its Watch
// reads the executable alone: an exec into another program is seen, and
// so is its end; an exec of itself with other arguments asks for the same
// parents.
func TestOwnPeerKnownByItsExecutable(t *testing.T) {
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "tool")
	text := "#!/bin/sh\nread x\nexec /bin/sh -c 'read y; exec sleep 30'\n"
	writeScripts(t, map[string]string{script: text})
	cmd, stdin := startPiped(t, script)
	pid := cmd.Process.Pid
	// exec sets the executable before the arguments: wait for both.
	for deadline := time.Now().Add(10 * time.Second); (IdentOf(pid).exe != sh || IdentOf(pid).cmdline == "") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}

	if chain, _ := NewCache(0).Chain(pid, 1); len(chain) != 1 || chain[0].Script != script {
		t.Fatalf("chain %+v (ident %+v), want the script %s when sh is not spin's", chain, IdentOf(pid), script)
	}
	c := NewCache(0, sh)
	t.Cleanup(c.Close)
	chain, id := c.Chain(pid, 1)
	if len(chain) != 1 || chain[0].Exe != sh || chain[0].Script != "" || !id.exeOnly || id.cmdline != "" {
		t.Fatalf("chain %+v, ident %+v: want %s by its executable alone", chain, id, sh)
	}
	w := NewWatch(pid, id)
	t.Cleanup(w.Close)
	if !w.Same() || !Same(pid, id) {
		t.Fatal("an unchanged own program reads as changed")
	}
	cmdline := func() string { data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); return string(data) }
	before := cmdline()
	if _, err := io.WriteString(stdin, "\n"); err != nil { // exec /bin/sh -c ...
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); cmdline() == before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if exe := exeOf(pid); exe != sh || !w.Same() {
		t.Errorf("after an exec of %s (now %s) with other arguments: Same %v, want true", sh, exe, w.Same())
	}
	if _, err := io.WriteString(stdin, "\n"); err != nil { // exec sleep
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); w.Same() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if w.Same() {
		t.Error("a Watch of an own program that exec'd another program says it is unchanged")
	}
	sleeping := NewWatch(pid, Ident{exe: exeOf(pid), exeOnly: true})
	t.Cleanup(sleeping.Close)
	if !sleeping.Same() {
		t.Fatal("a Watch of the sleep says it changed")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if sleeping.Same() {
		t.Error("a Watch of a process that has gone says it is unchanged")
	}
}

// A cached ancestor's ppid is taken from the cache while its parent's
// entry reads as the same process; once the parent has gone, it is read
// again and the chain goes on through the new parent.
func TestCacheReadsPPIDAgainWhenParentWent(t *testing.T) {
	dir := t.TempDir()
	outer, inner := filepath.Join(dir, "outer"), filepath.Join(dir, "inner")
	scripts := map[string]string{
		outer: "#!/bin/sh\n" + inner + " &\necho $! >" + dir + "/inner.pid\nwait\n",
		inner: "#!/bin/sh\nsleep 30 &\necho $! >" + dir + "/sleep.pid\nwait\n",
	}
	writeScripts(t, scripts)
	cmd := exec.Command(outer)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	innerPID, sleep := waitPID(t, dir+"/inner.pid"), waitPID(t, dir+"/sleep.pid")
	t.Cleanup(func() {
		_ = syscall.Kill(sleep, syscall.SIGKILL)
		_ = syscall.Kill(innerPID, syscall.SIGKILL)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	outerPID := cmd.Process.Pid

	c := NewCache(0)
	t.Cleanup(c.Close)
	want := func(chain []Process, parent int) {
		t.Helper()
		if len(chain) < 3 || chain[1].PID != innerPID || chain[1].Script != inner || chain[2].PID != parent {
			t.Fatalf("chain %+v, want the sleep, %s (pid %d), then pid %d", chain, inner, innerPID, parent)
		}
	}
	chain, _ := c.Chain(sleep, 3)
	want(chain, outerPID)
	ppids := c.ppids
	chain, _ = c.Chain(sleep, 3)
	want(chain, outerPID)
	if c.ppids != ppids {
		t.Errorf("%d ppids read again while the parent stayed, want none", c.ppids-ppids)
	}

	if err := syscall.Kill(outerPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if chain, _ = c.Chain(sleep, 3); len(chain) == 3 && chain[2].PID != outerPID {
			break
		}
	}
	ppid, _ := statOf(innerPID)
	want(chain, ppid)
	if c.ppids == ppids {
		t.Error("the ppid was not read again after the parent went")
	}
}

// A parent's entry that started after the child is a process that took
// the parent's pid meanwhile: the child is not linked to it, so its ppid
// is read again.
func TestLinkNeedsAnOlderParent(t *testing.T) {
	c := NewCache(0)
	child := &cacheEntry{start: 100}
	c.link(child, &cacheEntry{serial: 7, start: 50})
	if _, linked := c.cachedParent(child, &cacheEntry{serial: 7}); !linked {
		t.Error("a parent that started first is not linked")
	}
	c.link(child, &cacheEntry{serial: 8, start: 200})
	if _, linked := c.cachedParent(child, &cacheEntry{serial: 8}); linked {
		t.Error("a parent that started after its child is linked")
	}
}
