//go:build linux

package proc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A `sh -c` that does not exec (two commands) sits between this test and
// sleep: the chain names all three, marks the shell a wrapper, and the
// requester on behalf of "sleep" is this test binary.
func TestChainThroughShellWrapper(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 30; :")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var sleepPID int
	for i := 0; i < 200 && sleepPID == 0; i++ {
		out, _ := exec.Command("pgrep", "-P", strconv.Itoa(cmd.Process.Pid)).Output()
		sleepPID, _ = strconv.Atoi(strings.TrimSpace(string(out)))
		time.Sleep(10 * time.Millisecond)
	}
	if sleepPID == 0 {
		t.Fatal("sleep did not start")
	}
	chain := Chain(sleepPID, 8)
	self, _ := os.Executable()
	if len(chain) < 3 || !strings.HasSuffix(chain[0].Exe, "/sleep") || chain[1].PID != cmd.Process.Pid || !chain[1].Wrapper ||
		chain[2].PID != os.Getpid() || chain[2].Exe != self {
		t.Fatalf("chain %+v, want sleep, the sh -c wrapper, this test (%s)", chain, self)
	}
	if got := Requester(chain, chain[0].Exe); got.PID != os.Getpid() {
		t.Errorf("requester %+v, want this test", got)
	}
	if got := Requester(chain); got.PID != sleepPID {
		t.Errorf("requester without own programs %+v, want sleep itself", got)
	}
	if got := Requester(chain, "/elsewhere/"+filepath.Base(chain[0].Exe)); got.PID != sleepPID {
		t.Errorf("a program of the same name elsewhere was taken for spin's own: %+v", got)
	}
	if n := len(Chain(sleepPID, 2)); n != 2 {
		t.Errorf("depth 2 gave %d processes", n)
	}
}

// An interactive shell (no -c) ends the chain: it is the user's.
func TestChainStopsAtTheUsersShell(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-i")
	cmd.Stdin = strings.NewReader("sleep 30\n")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var sleepPID int
	for i := 0; i < 200 && sleepPID == 0; i++ {
		out, _ := exec.Command("pgrep", "-P", strconv.Itoa(cmd.Process.Pid)).Output()
		sleepPID, _ = strconv.Atoi(strings.TrimSpace(string(out)))
		time.Sleep(10 * time.Millisecond)
	}
	if sleepPID == 0 {
		t.Fatal("sleep did not start")
	}
	chain := Chain(sleepPID, 8)
	if len(chain) != 2 || chain[1].Wrapper || !IsShell(chain[1].Exe) {
		t.Errorf("chain %+v, want sleep and the interactive shell, nothing above", chain)
	}
	if got := Chain(0, 8); got != nil {
		t.Errorf("Chain(0) = %+v", got)
	}
}

// A shebang script is named by its path (the kernel's executable is the
// interpreter), and a shell running a script is not the user's shell.
func TestChainNamesScripts(t *testing.T) {
	script := t.TempDir() + "/tool"
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsleep 30\n:\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var sleepPID int
	for i := 0; i < 200 && sleepPID == 0; i++ {
		out, _ := exec.Command("pgrep", "-P", strconv.Itoa(cmd.Process.Pid)).Output()
		sleepPID, _ = strconv.Atoi(strings.TrimSpace(string(out)))
		time.Sleep(10 * time.Millisecond)
	}
	chain := Chain(sleepPID, 8)
	if len(chain) < 3 || chain[1].Script != script || chain[1].Wrapper || chain[2].PID != os.Getpid() {
		t.Fatalf("chain %+v, want sleep, the script %s, this test", chain, script)
	}
	if got := Requester(chain, chain[0].Exe); got.Script != script || !strings.HasPrefix(got.Name(), script+" (") {
		t.Errorf("requester %+v (%s), want the script", got, got.Name())
	}
}

// What spind spends per request on who asked: the chain of this test
// binary, up to 8 processes (`go test -bench Chain ./internal/proc`).
func BenchmarkChain(b *testing.B) {
	pid := os.Getpid()
	for b.Loop() {
		Chain(pid, 8)
	}
}

// A process names a script only when the script's interpreter is what
// the kernel says runs: anyone can pass an allowed script's path as an
// argument (allowed_callers matches scripts).
func TestScriptOfNeedsItsInterpreter(t *testing.T) {
	dir := t.TempDir()
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	direct, viaEnv, noBang := dir+"/direct", dir+"/env", dir+"/plain"
	for path, text := range map[string]string{direct: "#!/bin/sh\n:\n", viaEnv: "#!/usr/bin/env sh\n:\n", noBang: ":\n"} {
		if err := os.WriteFile(path, []byte(text), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		exe  string
		args []string
		want string
	}{
		{sh, []string{"sh", direct}, direct},
		{sh, []string{"sh", viaEnv}, viaEnv},
		{sh, []string{"sh", noBang}, ""},
		{"/usr/bin/python3", []string{"python3", direct}, ""}, // another interpreter
		{"/tmp/evil", []string{"/tmp/evil", direct}, ""},      // a binary naming the script
		{sh, []string{"sh", "-c", direct}, ""},                // not where the kernel puts it
		{sh, []string{"sh", "noshebang.sh", direct}, ""},      // second place needs the shebang's ARG
		{sh, []string{"sh", "relative/path"}, ""},
	} {
		if got := scriptOf(c.exe, c.args); got != c.want {
			t.Errorf("scriptOf(%s, %q) = %q, want %q", c.exe, c.args, got, c.want)
		}
	}
}

// The ppid and start time are found after the command name, whatever it
// holds, with no allocation (every new connection's peer is read so).
func TestParseStat(t *testing.T) {
	tail := " S 4242 7 7 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200\n"
	for _, tc := range []struct {
		line  string
		ppid  int
		start uint64
	}{
		{"123 (bash)" + tail, 4242, 987654},
		{"123 (a) S 1 (b)" + tail, 4242, 987654},
		{"123 (tmux: server)" + tail, 4242, 987654},
		{"123 ())))" + tail, 4242, 987654},
		{"123 (x) S 4242 7", 4242, 0},
		{"123 (x) S -5 7" + tail, 0, 0},
		{"123 x S 4242", 0, 0},
		{"", 0, 0},
	} {
		ppid, start := parseStat([]byte(tc.line))
		if ppid != tc.ppid || start != tc.start {
			t.Errorf("parseStat(%q) = %d, %d; want %d, %d", tc.line, ppid, start, tc.ppid, tc.start)
		}
	}
	if ppid, start := statOf(os.Getpid()); ppid != os.Getppid() || start == 0 {
		t.Errorf("statOf(self) = %d, %d; want ppid %d and a start time", ppid, start, os.Getppid())
	}
	line := []byte("123 (tmux: server)" + tail)
	if n := testing.AllocsPerRun(100, func() { parseStat(line) }); n != 0 {
		t.Errorf("parseStat allocates %v times", n)
	}
}
