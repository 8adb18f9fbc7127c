//go:build unix

package sock

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// Conn is a connection to spind made with raw system calls: a blocking
// socket whose reads and writes time out through SO_RCVTIMEO/SO_SNDTIMEO,
// so neither the net poller nor a goroutine is needed.
type Conn struct {
	fd   int
	path string
}

// Dial checks path (Check), connects and checks the peer (CheckPeer). A
// connect that finds spind's backlog full (EAGAIN) is retried until
// deadline; nothing listening is ENOENT or ECONNREFUSED, wrapped.
func Dial(path string, deadline time.Time) (*Conn, error) {
	if err := Check(path); err != nil {
		return nil, err
	}
	for {
		c, err := connect(path, deadline)
		if err == nil {
			if err := CheckPeer(c.fd, path); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		}
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			return nil, err
		}
		if !time.Now().Before(deadline) {
			return nil, &pathError{"connect to", path, ErrTimeout}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func connect(path string, deadline time.Time) (*Conn, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return nil, &pathError{"socket for", path, err}
	}
	unix.CloseOnExec(fd)
	c := &Conn{fd: fd, path: path}
	// A blocking connect waits for room in the backlog up to SO_SNDTIMEO.
	if err := c.setTimeout(unix.SO_SNDTIMEO, deadline); err != nil {
		c.Close()
		return nil, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		c.Close()
		return nil, &pathError{"connect to", path, err}
	}
	return c, nil
}

func (c *Conn) setTimeout(opt int, deadline time.Time) error {
	d := time.Until(deadline)
	if d <= 0 {
		return &pathError{"talk to", c.path, ErrTimeout}
	}
	if d < time.Millisecond {
		d = time.Millisecond // 0 would mean no timeout at all
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, opt, &tv); err != nil {
		return &pathError{"set a timeout on", c.path, err}
	}
	return nil
}

// Write sends all of p by deadline.
func (c *Conn) Write(p []byte, deadline time.Time) error {
	if err := c.setTimeout(unix.SO_SNDTIMEO, deadline); err != nil {
		return err
	}
	for len(p) > 0 {
		n, err := unix.Write(c.fd, p)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return &pathError{"write to", c.path, ErrTimeout}
		case err != nil:
			return &pathError{"write to", c.path, err}
		}
		p = p[n:]
	}
	return nil
}

// Read reads what has arrived, waiting until deadline; 0 and no error is
// the end of the answer.
func (c *Conn) Read(p []byte, deadline time.Time) (int, error) {
	if err := c.setTimeout(unix.SO_RCVTIMEO, deadline); err != nil {
		return 0, err
	}
	for {
		n, err := unix.Read(c.fd, p)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return 0, &pathError{"read from", c.path, ErrTimeout}
		case err != nil:
			return 0, &pathError{"read from", c.path, err}
		}
		return n, nil
	}
}

// PeerPID is the pid of the process answering, or 0 if unknown.
func (c *Conn) PeerPID() int { return PeerPID(c.fd) }

// Close closes the connection.
func (c *Conn) Close() { unix.Close(c.fd) }
