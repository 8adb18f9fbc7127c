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

// ErrTimeout means the deadline passed before spind answered.
var ErrTimeout = errors.New("timed out")

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
