package testkeyring

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes daemons that fork away from dbus-run-session
// (gnome-keyring-daemon does) our children when their parent dies, so that
// cleanupGroup can reap them instead of leaving zombies or strays.
func becomeSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// cleanupGroup ends what is left of the harness's process group and reaps
// every child, giving up after two seconds.
func cleanupGroup(pgid int) {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(2 * time.Second)
	for killed := false; time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err == unix.ECHILD {
				return
			}
			if pid <= 0 {
				break
			}
		}
		if !killed && time.Until(deadline) < time.Second {
			// Anything still here ignored SIGTERM or left the group.
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			for _, pid := range children() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			killed = true
		}
	}
}

// children lists the processes whose parent is this process.
func children() []int {
	self := os.Getpid()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// The command name may hold spaces and parentheses: fields
		// start after the last ')'. They are: state ppid ...
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(self) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out
}
