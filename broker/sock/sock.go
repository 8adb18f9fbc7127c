// Package sock is the one place spind's clients decide whether a socket is
// spind's, and the credential helper's way to reach it without linking
// net (whose start-up, with cgo's, is most of a Go process's). Before a
// client sends anything it checks that the socket and its directory are
// its own user's and writable by nobody else, and, once connected, that the
// process answering runs as the same user (SO_PEERCRED): a socket squatted
// by another user, through SPIN_SOCKET or a shared XDG_RUNTIME_DIR, never
// receives a passphrase or a secret and never hands out credentials.
package sock

import (
	"errors"
	"golang.org/x/sys/unix"
	"strconv"
	"time"
)

// UntrustedError is a socket, directory or peer that is not the user's.
type UntrustedError struct {
	Path   string // the socket
	Reason string // e.g. "it belongs to uid 4242"
}

func (e *UntrustedError) Error() string {
	return "refusing spind's socket " + e.Path + ": " + e.Reason + "; set SPIN_SOCKET to a path in a directory only you can write"
}

// ErrNotSocket means the path exists but is not a socket.
var ErrNotSocket = errors.New("not a socket; move the file away, spind makes its own")

// Check verifies socket path and its directory before a client connects.
// A missing socket or directory is the stat error (ENOENT: nothing listens).
func Check(path string) error {
	dir := dirOf(path)
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return &pathError{"stat", dir, err}
	}
	if err := owned(path, "its directory "+dir, &st); err != nil {
		return err
	}
	if err := unix.Stat(path, &st); err != nil {
		return &pathError{"stat", path, err}
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFSOCK {
		return &pathError{"connect", path, ErrNotSocket}
	}
	return owned(path, "it", &st)
}

// owned refuses what another uid owns or others may write.
func owned(path, what string, st *unix.Stat_t) error {
	uid := unix.Getuid()
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
	uid, pid, err := peerCred(fd)
	if err != nil {
		return &pathError{"read peer credentials of", path, err}
	}
	if own := unix.Getuid(); uid != own {
		who := "the process answering on it runs as uid " + itoa(uid)
		if pid > 0 {
			who += " (pid " + itoa(pid) + ")"
		}
		return &UntrustedError{Path: path, Reason: who + ", not as you (uid " + itoa(own) + ")"}
	}
	return nil
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

// pathError is os.PathError without importing os's formatting helpers.
type pathError struct {
	op, path string
	err      error
}

func (e *pathError) Error() string { return e.op + " " + e.path + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

func itoa(n int) string { return strconv.Itoa(n) }

func octal(m uint32) string {
	s := strconv.FormatUint(uint64(m), 8)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

// NoAnswer is the error for a spind that accepted the connection (or
// whose backlog is full) but said nothing within wait: stopped (SIGSTOP, a
// debugger) or hung. pid is the peer's, or 0 if unknown.
func NoAnswer(path string, pid int, wait time.Duration) error {
	msg := "spind at " + path + " does not answer within " + wait.String()
	if pid <= 0 {
		return errors.New(msg + ": it is stopped or hung; end it (pgrep -u \"$USER\" -x spind) and the next request starts a new one")
	}
	p := itoa(pid)
	state := "is stopped or hung"
	if stopped(pid) {
		state = "is stopped"
	}
	return errors.New(msg + ": spind (pid " + p + ") " + state + "; 'kill -CONT " + p + "' resumes a stopped one, 'kill " + p + "' ends it and the next request starts a new one")
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
