//go:build unix

package client

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/cloudspin/spin/broker/api"
)

// A spind that still answers two status requests after the shutdown
// request, as one finishing its requests does, then is gone.
func TestStopWaitsUntilSpindIsGone(t *testing.T) {
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var statuses atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			req, err := http.ReadRequest(bufio.NewReader(c))
			if err != nil {
				c.Close()
				continue
			}
			switch req.URL.Path {
			case api.PathShutdown:
				_, _ = c.Write([]byte("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
			case api.PathStatus:
				_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: " +
					strconv.Itoa(len(statusJSON)) + "\r\n\r\n" + statusJSON))
				if statuses.Add(1) == 2 {
					c.Close()
					ln.Close()
					os.Remove(path)
					return
				}
			}
			c.Close()
		}
	}()
	c := New(path)
	defer c.Close()
	running, err := c.Stop(t.Context())
	if err != nil || !running {
		t.Fatalf("got %v, %v; want true, nil", running, err)
	}
	if n := statuses.Load(); n < 2 {
		t.Errorf("Stop returned after %d status calls, before spind was gone", n)
	}
	running, err = c.Stop(t.Context())
	if err != nil || running {
		t.Errorf("no spind: got %v, %v; want false, nil", running, err)
	}
}
