package sock

import (
	"errors"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Path says where spind listens: SPIN_SOCKET, else
// $XDG_RUNTIME_DIR/spin/broker.sock, else ~/.cache/spin/broker.sock; on
// Windows SPIN_SOCKET, else the named pipe \\.\pipe\spin-<user>.
func Path(getenv func(string) string) (string, error) {
	p := getenv("SPIN_SOCKET")
	if runtime.GOOS == "windows" {
		return pipePath(p, getenv("USERNAME"))
	}
	switch {
	case p != "":
	case getenv("XDG_RUNTIME_DIR") != "":
		p = filepath.Join(getenv("XDG_RUNTIME_DIR"), "spin", "broker.sock")
	case getenv("HOME") != "":
		p = filepath.Join(getenv("HOME"), ".cache", "spin", "broker.sock")
	default:
		return "", errors.New("cannot place spind's socket: set SPIN_SOCKET, XDG_RUNTIME_DIR or HOME")
	}
	if !filepath.IsAbs(p) {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", &pathError{"socket path", p, err}
		}
		p = abs
	}
	if max := maxSocketPath(); len(p) > max {
		return "", errors.New("socket path " + p + " is " + strconv.Itoa(len(p)) + " bytes, over the " + runtime.GOOS + " limit of " + strconv.Itoa(max) + ": set SPIN_SOCKET to a shorter path")
	}
	return p, nil
}

// maxSocketPath is sun_path's size minus the terminating NUL.
func maxSocketPath() int {
	switch runtime.GOOS {
	case "darwin", "freebsd", "openbsd", "netbsd":
		return 103
	default:
		return 107
	}
}

// pipePath is SPIN_SOCKET or the user's pipe. A pipe names no file, so
// there is nothing to make absolute and no sun_path to fit.
func pipePath(set, user string) (string, error) {
	if set != "" {
		return set, nil
	}
	if user == "" {
		return "", errors.New("cannot name spind's pipe: set SPIN_SOCKET or USERNAME")
	}
	return PipeName(user), nil
}

// PipeName is spind's pipe for a user: \\.\pipe\spin-<user>, with the
// user name reduced to characters that are safe in a pipe name (a domain
// user DOMAIN\name gives spin-DOMAIN-name).
func PipeName(user string) string {
	var b strings.Builder
	for _, r := range user {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return `\\.\pipe\spin-` + b.String()
}
