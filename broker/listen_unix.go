//go:build unix

package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cloudspin/spin/internal/atomicfile"
	"github.com/cloudspin/spin/internal/ipc"
)

// Listen opens the user-only socket at path. It holds a flock on a sibling
// lock file for the listener's lifetime: a live socket is never stolen, a
// stale one (its owner died) is replaced, and of many spinds racing to start
// exactly one wins. Connections from another uid are refused and logged.
func Listen(path string, logger *slog.Logger) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	unlock, err := atomicfile.TryLock(path + ".lock")
	if errors.Is(err, atomicfile.ErrLocked) {
		return nil, fmt.Errorf("%w (%s)", ErrAlreadyRunning, path)
	}
	if err != nil {
		return nil, fmt.Errorf("socket lock: %w", err)
	}
	if st, err := os.Lstat(path); err == nil {
		// Only a socket is ours to replace: a file, directory or symlink
		// at this path is someone's data (or bait), never deleted.
		if st.Mode().Type() != os.ModeSocket {
			unlock()
			return nil, fmt.Errorf("%s exists and is not a socket (%s): spind deletes only a stale socket; move it away or set SPIN_SOCKET to another path", path, describeType(st.Mode()))
		}
		// We hold the lock, so a socket that still answers belongs to a
		// spind started without it (or by an older version): leave it be.
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			unlock()
			return nil, fmt.Errorf("%w (%s)", ErrAlreadyRunning, path)
		}
		if err := os.Remove(path); err != nil {
			unlock()
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
		logger.Info("replaced stale socket", "path", path)
	}
	old := unix.Umask(0o177)
	ln, err := ipc.Unix{}.Listen(path)
	unix.Umask(old)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		unlock()
		return nil, err
	}
	return &peerListener{Listener: ln, uid: os.Getuid(), unlock: unlock, logger: logger}, nil
}

// checkDir refuses a socket directory others could write into or read.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	var sys unix.Stat_t
	if err := unix.Stat(dir, &sys); err != nil {
		return err
	}
	if int(sys.Uid) != os.Getuid() {
		return fmt.Errorf("socket directory %s belongs to uid %d, not to you: set SPIN_SOCKET to a path in a directory of yours", dir, sys.Uid)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("socket directory %s: %w", dir, err)
		}
	}
	return nil
}

type peerListener struct {
	net.Listener
	uid    int
	unlock func()
	logger *slog.Logger
	once   sync.Once
}

// Accept returns only connections whose peer runs as our uid; root gets no
// exception, since root can read any user's keys only by asking spind.
func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, pid, err := peerCred(c)
		if err != nil {
			l.logger.Warn("refused connection: cannot read peer credentials", "err", err)
			c.Close()
			continue
		}
		if uid != l.uid {
			l.logger.Warn("refused connection from another user", "peer_uid", uid, "peer_pid", pid)
			c.Close()
			continue
		}
		if uc, ok := c.(*net.UnixConn); ok {
			return &peerConn{UnixConn: uc, pid: pid}, nil
		}
		return c, nil
	}
}

func (l *peerListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(l.unlock)
	return err
}

func describeType(m os.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symlink"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	}
	return "mode " + m.String()
}
