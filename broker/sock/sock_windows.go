package sock

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"time"

	"golang.org/x/sys/windows"

	"github.com/cloudspin/spin/internal/ipc"
)

// On Windows spind's address is a named pipe. Its DACL admits only the
// user who created it, and ipc.Pipe's Dial checks that the server runs as
// this user, so there is no path or directory to check beforehand.

// NoListener reports whether a dial error means no pipe of that name
// exists, as opposed to one that exists but cannot be reached.
func NoListener(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, windows.ERROR_FILE_NOT_FOUND)
}

// Check accepts any pipe name: the checks happen in Dial.
func Check(string) error { return nil }

// Conn is a connection to spind's pipe with per-call deadlines, the same
// shape as the unix Conn so the helper's code is one.
type Conn struct {
	c    net.Conn
	path string
}

// Dial connects to the pipe and checks its server's user (ipc.Pipe).
func Dial(path string, deadline time.Time) (*Conn, error) {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	c, err := ipc.Default().Dial(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &pathError{"connect to", path, ErrTimeout}
		}
		return nil, &pathError{"connect to", path, err}
	}
	return &Conn{c: c, path: path}, nil
}

// Write sends all of p by deadline.
func (c *Conn) Write(p []byte, deadline time.Time) error {
	if err := c.c.SetWriteDeadline(deadline); err != nil {
		return &pathError{"set a timeout on", c.path, err}
	}
	if _, err := c.c.Write(p); err != nil {
		return c.wrap("write to", err)
	}
	return nil
}

// Read reads what has arrived, waiting until deadline; 0 and no error is
// the end of the answer.
func (c *Conn) Read(p []byte, deadline time.Time) (int, error) {
	if err := c.c.SetReadDeadline(deadline); err != nil {
		return 0, &pathError{"set a timeout on", c.path, err}
	}
	n, err := c.c.Read(p)
	if n == 0 && errors.Is(err, io.EOF) {
		return 0, nil
	}
	if err != nil && n == 0 {
		return 0, c.wrap("read from", err)
	}
	return n, nil
}

func (c *Conn) wrap(op string, err error) error {
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return &pathError{op, c.path, ErrTimeout}
	}
	return &pathError{op, c.path, err}
}

// PeerPID is 0: ipc.Pipe has already checked the server's user.
func (c *Conn) PeerPID() int { return 0 }

// Close closes the connection.
func (c *Conn) Close() { c.c.Close() }

// stopped is a /proc question; Windows has no answer to it here.
func stopped(int) bool { return false }
