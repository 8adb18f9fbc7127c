//go:build unix

package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cloudspin/spin/broker/sock"
)

// Dial connects to spind's socket at path for a net/http client (the
// `spin exec` endpoint's, say) after broker/sock's checks of the path and,
// once connected, of the peer. A connect that finds spind's backlog full
// (EAGAIN) is retried until ctx ends.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	if err := sock.Check(path); err != nil {
		return nil, err
	}
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "unix", path)
		if errors.Is(err, unix.EAGAIN) {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("connect to %s: spind's backlog stayed full: %w", path, ctx.Err())
			case <-time.After(2 * time.Millisecond):
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		if err := checkPeer(c, path); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

func checkPeer(c net.Conn, path string) error {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("%s: not a unix socket connection", path)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var perr error
	if err := raw.Control(func(fd uintptr) { perr = sock.CheckPeer(int(fd), path) }); err != nil {
		return err
	}
	return perr
}

// peerPID is the pid of the spind behind c, or 0 (c nil or closed).
func peerPID(c net.Conn) int {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0
	}
	pid := 0
	_ = raw.Control(func(fd uintptr) { pid = sock.PeerPID(int(fd)) })
	return pid
}
