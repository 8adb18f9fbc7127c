package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cloudspin/spin/internal/sdkcheck"
)

// `spind __check-aws-files` reads the user's plaintext keys, so it is
// hardened before it reads anything: started with core dumps allowed (as
// after `ulimit -c unlimited`), the running checker has a core limit of 0
// and is not dumpable. A plain program started the same way is the
// control: it keeps the limit and stays dumpable, so the checks below can
// fail.
func TestCheckerIsHardened(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max == 0 {
		t.Skip("the hard core limit is 0 here: no child can be given core dumps to lose")
	}
	spind, err := exec.LookPath("spind")
	if err != nil {
		t.Fatal(err)
	}
	// The kernel shows a non-dumpable process's /proc files as root's
	// (uid and gid 0). As root, run with another gid, so that a dumpable
	// one's show that gid instead.
	var attr *syscall.SysProcAttr
	if os.Getuid() == 0 {
		attr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 65534}}
	}
	// start runs prog under sh after raising the soft core limit to the
	// hard one; stdin stays open, so the checker waits for its request.
	start := func(prog string, args ...string) *exec.Cmd {
		cmd := exec.Command("/bin/sh", append([]string{"-c", `ulimit -c "$(ulimit -H -c)" && exec "$0" "$@"`, prog}, args...)...)
		cmd.SysProcAttr = attr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	state := func(pid int) (exe, core string, uid, gid uint32) {
		exe, _ = os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "Max core file size"); ok {
				core = strings.Join(strings.Fields(rest)[:2], "/")
			}
		}
		var st unix.Stat_t
		// Not /proc/PID itself, which shows the owner either way (procps
		// reads it).
		if err := unix.Stat(fmt.Sprintf("/proc/%d/mem", pid), &st); err == nil {
			uid, gid = st.Uid, st.Gid
		}
		return exe, core, uid, gid
	}
	wantPlain := fmt.Sprintf("%d/%d", os.Getuid(), os.Getgid())
	if attr != nil {
		wantPlain = "0/65534"
	}

	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	catPath, _ := filepath.EvalSymlinks(cat)
	control := start(cat)
	checker := start(spind, sdkcheck.Command)

	var exe, core string
	var uid, gid uint32
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if exe, core, uid, gid = state(control.Process.Pid); exe == catPath {
			break
		}
	}
	if exe != catPath || core == "0/0" || core == "" || fmt.Sprintf("%d/%d", uid, gid) != wantPlain {
		t.Fatalf("control (cat): exe %s, core limit %s, /proc owner %d/%d; want %s, a core limit over 0, owner %s: the checks below would prove nothing", exe, core, uid, gid, catPath, wantPlain)
	}

	// Hardening comes before the checker reads stdin, so it is in place
	// while the checker waits; give the exec and start-up time.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if exe, core, uid, gid = state(checker.Process.Pid); exe == spind && core == "0/0" && uid == 0 && gid == 0 {
			break
		}
	}
	if exe != spind || core != "0/0" {
		t.Errorf("checker %s: core limit (soft/hard) %q, want 0/0", exe, core)
	}
	if uid != 0 || gid != 0 {
		t.Errorf("checker %s: /proc owner %d/%d, want 0/0 (not dumpable)", exe, uid, gid)
	}
}
