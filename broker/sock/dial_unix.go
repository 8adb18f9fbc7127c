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
	pid  int // the peer's, from CheckPeer's SO_PEERCRED

	// The timeouts set on fd (0: none). The kernel applies one to each
	// blocking call anew, from its start; connect and Write share
	// SO_SNDTIMEO.
	snd, rcv time.Duration
}

// slack is how far past its deadline a blocking call may end because
// the timeout already set was not set again for it: the kernel rounds
// these timeouts up to a clock tick (1–10 ms) anyway.
const slack = time.Millisecond

// Dial checks path (Check), connects and checks the peer (CheckPeer). A
// connect that finds spind's backlog full (EAGAIN) is retried until
// deadline; nothing listening is ENOENT or ECONNREFUSED, wrapped.
func Dial(path string, deadline time.Time) (*Conn, error) {
	uid := unix.Getuid() // one for both checks: each call is a system call
	if err := check(path, uid); err != nil {
		return nil, err
	}
	for {
		c, err := connect(path, deadline)
		if err == nil {
			if c.pid, err = checkPeer(c.fd, path, uid); err != nil {
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
	fd, err := socket()
	if err != nil {
		return nil, &pathError{"socket for", path, err}
	}
	c := &Conn{fd: fd, path: path}
	// A blocking connect waits for room in the backlog up to SO_SNDTIMEO.
	if err := c.arm("connect to", unix.SO_SNDTIMEO, &c.snd, deadline, false); err != nil {
		c.Close()
		return nil, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		c.Close()
		return nil, &pathError{"connect to", path, err}
	}
	return c, nil
}

// arm makes a blocking call on option opt (whose timeout on fd is *set)
// that starts now end by deadline, with one system call at most and
// usually none: an exchange makes several calls under one or two
// deadlines. A timeout is set only if none is, if the one set would let
// the call run past deadline (a nearer deadline, or the same one some
// time later), or if force says the one set fired early. One that ends
// before deadline stays: a call it stops (EAGAIN) before deadline comes
// back with force, so the caller keeps waiting until deadline.
func (c *Conn) arm(op string, opt int, set *time.Duration, deadline time.Time, force bool) error {
	d := time.Until(deadline)
	if d <= 0 {
		return &pathError{op, c.path, ErrTimeout}
	}
	if !force && *set != 0 && *set <= d+slack {
		return nil
	}
	if d < time.Millisecond {
		d = time.Millisecond // 0 would mean no timeout at all
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, opt, &tv); err != nil {
		*set = 0 // unknown now
		return &pathError{"set a timeout on", c.path, err}
	}
	*set = d
	return nil
}

// Write sends all of p by deadline.
func (c *Conn) Write(p []byte, deadline time.Time) error {
	force := false
	for len(p) > 0 {
		if err := c.arm("write to", unix.SO_SNDTIMEO, &c.snd, deadline, force); err != nil {
			return err
		}
		n, err := unix.Write(c.fd, p)
		force = errors.Is(err, unix.EAGAIN)
		switch {
		case errors.Is(err, unix.EINTR), force:
			continue
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
	force := false
	for {
		if err := c.arm("read from", unix.SO_RCVTIMEO, &c.rcv, deadline, force); err != nil {
			return 0, err
		}
		n, err := unix.Read(c.fd, p)
		force = errors.Is(err, unix.EAGAIN)
		switch {
		case errors.Is(err, unix.EINTR), force:
			continue
		case err != nil:
			return 0, &pathError{"read from", c.path, err}
		}
		return n, nil
	}
}

// PeerPID is the pid of the process answering, or 0 if unknown.
func (c *Conn) PeerPID() int { return c.pid }

// Close closes the connection.
func (c *Conn) Close() { unix.Close(c.fd) }
