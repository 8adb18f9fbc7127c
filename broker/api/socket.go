package api

import (
	"fmt"
	"path/filepath"
	"runtime"
)

// SocketPath says where spind listens: SPIN_SOCKET, else
// $XDG_RUNTIME_DIR/spin/broker.sock, else ~/.cache/spin/broker.sock.
func SocketPath(getenv func(string) string) (string, error) {
	p := getenv("SPIN_SOCKET")
	switch {
	case p != "":
	case getenv("XDG_RUNTIME_DIR") != "":
		p = filepath.Join(getenv("XDG_RUNTIME_DIR"), "spin", "broker.sock")
	case getenv("HOME") != "":
		p = filepath.Join(getenv("HOME"), ".cache", "spin", "broker.sock")
	default:
		return "", fmt.Errorf("cannot place spind's socket: set SPIN_SOCKET, XDG_RUNTIME_DIR or HOME")
	}
	if !filepath.IsAbs(p) {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("socket path %s: %w", p, err)
		}
		p = abs
	}
	if max := maxSocketPath(); len(p) > max {
		return "", fmt.Errorf("socket path %s is %d bytes, over the %s limit of %d: set SPIN_SOCKET to a shorter path", p, len(p), runtime.GOOS, max)
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
