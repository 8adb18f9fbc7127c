//go:build unix

package sock

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Check verifies socket path and its directory before a client connects.
// A missing socket or directory is the stat error (ENOENT: nothing listens).
func Check(path string) error { return check(path, unix.Getuid()) }

// check is Check for a caller whose uid is uid.
func check(path string, uid int) error {
	dir := dirOf(path)
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return &pathError{"stat", dir, err}
	}
	if err := owned(path, "its directory "+dir, &st, uid); err != nil {
		return err
	}
	if err := unix.Stat(path, &st); err != nil {
		return &pathError{"stat", path, err}
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFSOCK {
		return &pathError{"connect", path, ErrNotSocket}
	}
	return owned(path, "it", &st, uid)
}

// NoListener reports whether a dial error means nothing listens on the
// socket (no file, or a stale one), as opposed to a socket that exists
// but cannot be reached.
func NoListener(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ECONNREFUSED)
}

// owned refuses what a uid other than uid owns or others may write.
func owned(path, what string, st *unix.Stat_t, uid int) error {
	if int(st.Uid) != uid {
		return &UntrustedError{Path: path, Reason: what + " belongs to uid " + itoa(int(st.Uid)) + ", not to you (uid " + itoa(uid) + ")"}
	}
	if st.Mode&0o022 != 0 {
		return &UntrustedError{Path: path, Reason: what + " is writable by group or others (mode " + octal(uint32(st.Mode)&0o7777) + ")"}
	}
	return nil
}

// CheckPeer verifies that the process on the other end of the connected
// socket fd runs as this user: root gets no exception either way.
func CheckPeer(fd int, path string) error {
	_, err := checkPeer(fd, path, unix.Getuid())
	return err
}

// checkPeer is CheckPeer for a caller whose uid is own; it returns the
// peer's pid (0 if unknown).
func checkPeer(fd int, path string, own int) (int, error) {
	uid, pid, err := peerCred(fd)
	if err != nil {
		return 0, &pathError{"read peer credentials of", path, err}
	}
	if uid != own {
		who := "the process answering on it runs as uid " + itoa(uid)
		if pid > 0 {
			who += " (pid " + itoa(pid) + ")"
		}
		return 0, &UntrustedError{Path: path, Reason: who + ", not as you (uid " + itoa(own) + ")"}
	}
	return pid, nil
}

// PeerPID is the pid of the process on the other end of fd, or 0.
func PeerPID(fd int) int {
	_, pid, err := peerCred(fd)
	if err != nil {
		return 0
	}
	return pid
}

func dirOf(path string) string {
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '/' {
			return path[:i]
		}
	}
	if len(path) > 0 && path[0] == '/' {
		return "/"
	}
	return "."
}

// stopped reports whether pid is in state T (stopped) or t (traced), from
// /proc on Linux; false elsewhere.
func stopped(pid int) bool {
	fd, err := unix.Open("/proc/"+itoa(pid)+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var buf [512]byte
	n, _ := unix.Read(fd, buf[:])
	b := buf[:max(n, 0)]
	// "pid (comm) STATE ...": comm may hold spaces and parentheses.
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' {
			return i+2 < len(b) && (b[i+2] == 'T' || b[i+2] == 't')
		}
	}
	return false
}
