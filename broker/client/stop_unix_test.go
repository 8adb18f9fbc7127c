//go:build unix

package client

import (
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"github.com/cloudspin/spin/broker/api"
)

func TestStopWaitsUntilSpindIsGone(t *testing.T) {
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var statuses atomic.Int32
	var srv *http.Server
	srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case api.PathShutdown:
			w.WriteHeader(http.StatusNoContent)
		case api.PathStatus:
			// Still answering twice after the shutdown request, as a
			// spind finishing its requests does; then gone.
			if statuses.Add(1) == 2 {
				defer func() {
					go func() { srv.Close(); os.Remove(path) }()
				}()
			}
			_, _ = w.Write([]byte(statusJSON))
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
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
