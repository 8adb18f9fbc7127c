//go:build unix

package client

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func socketPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "spincl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "broker.sock")
}

// serveRaw answers every connection with answer once the request arrived.
func serveRaw(t *testing.T, answer func(net.Conn)) string {
	t.Helper()
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = c.Read(make([]byte, 4096))
				answer(c)
			}()
		}
	}()
	return path
}

const statusJSON = `{"pid":1,"version":"v","sessions":[]}`

func TestAnswerTimeout(t *testing.T) {
	const wait = 300 * time.Millisecond
	t.Run("processing, then the answer", func(t *testing.T) {
		path := serveRaw(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 102 Processing\r\n\r\n")
			time.Sleep(3 * wait)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(statusJSON))+"\r\n\r\n"+statusJSON)
		})
		c := New(path)
		defer c.Close()
		c.AnswerTimeout = wait
		if st, err := c.Status(context.Background()); err != nil || st.Version != "v" {
			t.Errorf("Status = %+v, %v; want spind's answer after its 102", st, err)
		}
	})
	t.Run("silent", func(t *testing.T) {
		path := serveRaw(t, func(net.Conn) { time.Sleep(20 * wait) })
		c := New(path)
		defer c.Close()
		c.AnswerTimeout = wait
		start := time.Now()
		_, err := c.Status(context.Background())
		// The pid is the peer's, read when the wait ran out: serveRaw's
		// listener is this process.
		if err == nil || !strings.HasPrefix(err.Error(), "spind at "+path+" does not answer within 300ms: spind (pid "+strconv.Itoa(os.Getpid())+") ") {
			t.Errorf("Status of a silent spind: %v", err)
		}
		if took := time.Since(start); took > 5*wait {
			t.Errorf("gave up after %s", took)
		}
	})
}

// Go's net returns EAGAIN at once when a unix socket's backlog is full;
// Dial waits for room instead.
func TestDialRetriesFullBacklog(t *testing.T) {
	path := socketPath(t)
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(lfd, 0); err != nil {
		t.Fatal(err)
	}
	var pending []net.Conn
	defer func() {
		for _, c := range pending {
			c.Close()
		}
	}()
	for {
		c, err := net.Dial("unix", path)
		if err != nil {
			if !errors.Is(err, unix.EAGAIN) {
				t.Fatalf("filling the backlog: %v", err)
			}
			break
		}
		pending = append(pending, c)
	}
	// The acceptor ends before lfd is closed: accepting on a closed fd
	// number would take the connections of a later test's listener.
	accepted := make(chan struct{})
	defer func() { <-accepted }()
	defer unix.Shutdown(lfd, unix.SHUT_RDWR)
	go func() {
		defer close(accepted)
		time.Sleep(300 * time.Millisecond)
		for {
			fd, _, err := unix.Accept(lfd)
			if err != nil {
				return
			}
			defer unix.Close(fd)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatalf("Dial with a full backlog: %v", err)
	}
	c.Close()
}
