//go:build unix

package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// detach puts spind in a session of its own, so the terminal's signals
// (Ctrl-C in the shell that autostarted it) never reach it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

func rootDir() string { return "/" }

// OpenLog opens spind's log for appending. Its directory must be a real
// directory (not a symlink) of ours that nobody else can write to, and the
// log itself is opened without following a symlink and must be a regular
// file of ours with one link: in a shared /tmp anyone could otherwise plant
// a link that makes spind append to, or create, a file of their choosing.
func OpenLog(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	uid := uint32(os.Getuid())
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return nil, fmt.Errorf("log directory %s is not a directory (a symlink?): remove it, spin makes its own", dir)
	case st.Uid != uid:
		return nil, fmt.Errorf("log directory %s belongs to uid %d, not to you: remove it, or set XDG_STATE_HOME", dir, st.Uid)
	case st.Mode&0o077 != 0:
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("log directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return nil, fmt.Errorf("log %s is a symlink: remove it, spin writes its log only to a file of its own", path)
		}
		return nil, fmt.Errorf("open log: %w", err)
	}
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("open log: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Uid != uid || st.Nlink != 1 {
		f.Close()
		return nil, fmt.Errorf("log %s is not a regular file of yours with a single link: remove it", path)
	}
	return f, nil
}
