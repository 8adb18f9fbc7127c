//go:build unix

package sock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listenRaw makes a listening socket at path with the given backlog and
// returns its fd; nothing accepts unless the test does.
func listenRaw(t *testing.T, path string, backlog int) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		t.Fatal(err)
	}
	return fd
}

func privateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "spinsock") // short: sun_path is 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestCheck(t *testing.T) {
	dir := privateDir(t)
	path := filepath.Join(dir, "broker.sock")
	if err := Check(path); !errors.Is(err, unix.ENOENT) {
		t.Errorf("missing socket: %v, want ENOENT (nothing listens)", err)
	}
	if err := Check(filepath.Join(dir, "nodir", "broker.sock")); !errors.Is(err, unix.ENOENT) {
		t.Errorf("missing directory: %v, want ENOENT", err)
	}
	listenRaw(t, path, 1)
	if err := Check(path); err != nil {
		t.Fatalf("own socket in own 0700 directory: %v", err)
	}
	if err := unix.Chmod(dir, 0o1777); err != nil { // like /tmp
		t.Fatal(err)
	}
	var ue *UntrustedError
	if err := Check(path); !errors.As(err, &ue) || !strings.Contains(err.Error(), "its directory "+dir+" is writable by group or others (mode 1777)") {
		t.Errorf("socket in a world-writable directory: %v", err)
	}
	os.Chmod(dir, 0o700)
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := Check(path); !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "refusing spind's socket "+path+": it is writable by group or others") {
		t.Errorf("group/other-writable socket: %v", err)
	}
	os.Chmod(path, 0o600)
	file := filepath.Join(dir, "file.sock")
	os.WriteFile(file, nil, 0o600)
	if err := Check(file); !errors.Is(err, ErrNotSocket) {
		t.Errorf("regular file: %v, want ErrNotSocket", err)
	}
	if os.Getuid() != 0 {
		t.Skip("chown to another uid needs root")
	}
	if err := os.Lchown(path, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if err := Check(path); !errors.As(err, &ue) || !strings.Contains(err.Error(), "it belongs to uid 4242, not to you (uid 0)") {
		t.Errorf("another uid's socket: %v", err)
	}
	os.Lchown(path, 0, 0)
	if err := os.Chown(dir, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if err := Check(path); !errors.As(err, &ue) || !strings.Contains(err.Error(), "its directory "+dir+" belongs to uid 4242") {
		t.Errorf("another uid's directory: %v", err)
	}
}

// A connect that finds spind's backlog full is retried until the
// deadline, not failed at once with EAGAIN.
func TestDialRetriesFullBacklog(t *testing.T) {
	path := filepath.Join(privateDir(t), "broker.sock")
	lfd := listenRaw(t, path, 0)
	// Fill the backlog with connections nobody accepts.
	var pending []int
	for {
		// SetNonblock rather than SOCK_NONBLOCK, which darwin lacks.
		fd, _ := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
		err := unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != nil {
			unix.Close(fd)
			if !errors.Is(err, unix.EAGAIN) {
				t.Fatalf("filling the backlog: %v", err)
			}
			break
		}
		pending = append(pending, fd)
	}
	defer func() {
		for _, fd := range pending {
			unix.Close(fd)
		}
	}()
	// A short deadline: the full backlog is a timeout, not EAGAIN.
	if _, err := Dial(path, time.Now().Add(100*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Errorf("full backlog, short deadline: %v, want a timeout", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		for {
			fd, _, err := unix.Accept(lfd)
			if err != nil {
				return
			}
			defer unix.Close(fd)
		}
	}()
	start := time.Now()
	c, err := Dial(path, time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatalf("Dial once the backlog drains: %v", err)
	}
	c.Close()
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("connected after %s, before the backlog drained?", took)
	}
}

func TestDialNothingListens(t *testing.T) {
	path := filepath.Join(privateDir(t), "broker.sock")
	fd := listenRaw(t, path, 1)
	unix.Close(fd) // the file stays, nobody listens
	if _, err := Dial(path, time.Now().Add(time.Second)); !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("stale socket: %v, want ECONNREFUSED", err)
	}
}

// dialServed dials a socket of its own and returns the connection and the
// server's end of it.
func dialServed(t *testing.T) (*Conn, int) {
	t.Helper()
	path := filepath.Join(privateDir(t), "broker.sock")
	lfd := listenRaw(t, path, 1)
	c, err := Dial(path, time.Now().Add(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	sfd, _, err := unix.Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(sfd) })
	if got, want := c.PeerPID(), os.Getpid(); got != want {
		t.Errorf("PeerPID() = %d, want %d", got, want)
	}
	return c, sfd
}

// A timeout is set again only when the one set would not do: each read
// ends at its own deadline, whatever the reads before it waited for.
func TestReadKeepsEachDeadline(t *testing.T) {
	c, sfd := dialServed(t)
	buf := make([]byte, 16)
	unix.Write(sfd, []byte("a"))
	if n, err := c.Read(buf, time.Now().Add(10*time.Second)); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v; want the byte sent", n, err)
	}

	// A nearer deadline than the last read's: not the 10 s set before.
	start := time.Now()
	if _, err := c.Read(buf, start.Add(200*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read with nothing sent = %v, want a timeout", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Read with a 200 ms deadline took %s: the earlier read's timeout stayed", took)
	}

	// A later one: the 200 ms set before must not end this read.
	go func() {
		time.Sleep(600 * time.Millisecond)
		unix.Write(sfd, []byte("b"))
	}()
	if n, err := c.Read(buf, time.Now().Add(10*time.Second)); n != 1 || err != nil {
		t.Fatalf("Read of a byte sent after 600 ms = %d, %v; want it (the deadline is 10 s away)", n, err)
	}

	// The same deadline later on: the call ends at the deadline, not a
	// whole timeout after it starts.
	start = time.Now()
	deadline := start.Add(time.Second)
	unix.Write(sfd, []byte("c"))
	if n, err := c.Read(buf, deadline); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v; want the byte sent", n, err)
	}
	time.Sleep(800 * time.Millisecond)
	if _, err := c.Read(buf, deadline); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read with nothing sent = %v, want a timeout", err)
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("Read ended %s after its deadline: the 1 s timeout counted from when it was set, not from the deadline", took-time.Second)
	}
}

// Write ends at its deadline, not at the connect's, and waits for a slow
// reader until its own.
func TestWriteKeepsEachDeadline(t *testing.T) {
	c, sfd := dialServed(t)    // connected with a 10 s deadline
	big := make([]byte, 8<<20) // more than the socket buffers hold
	start := time.Now()
	if err := c.Write(big, start.Add(300*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Write to a peer that does not read = %v, want a timeout", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Write with a 300 ms deadline took %s: the connect's timeout stayed", took)
	}
	done := make(chan struct{})
	go func() { // reads all there is, from both writes
		defer close(done)
		time.Sleep(600 * time.Millisecond)
		buf := make([]byte, 64<<10)
		for {
			if n, err := unix.Read(sfd, buf); n <= 0 || err != nil {
				return
			}
		}
	}()
	if err := c.Write(big, time.Now().Add(10*time.Second)); err != nil {
		t.Errorf("Write to a peer that reads after 600 ms: %v", err)
	}
	unix.Shutdown(c.fd, unix.SHUT_WR)
	<-done
}
