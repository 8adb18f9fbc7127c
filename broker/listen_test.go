package broker

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/client"
)

func shortDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "spinl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestListenNeverStealsALiveSocket(t *testing.T) {
	sock := filepath.Join(shortDir(t), "s", "broker.sock")
	ln, err := Listen(sock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st, err := os.Stat(sock)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("socket mode = %v (err %v), want 0600", st.Mode().Perm(), err)
	}
	if dst, _ := os.Stat(filepath.Dir(sock)); dst.Mode().Perm() != 0o700 {
		t.Errorf("socket dir mode = %v, want 0700", dst.Mode().Perm())
	}
	if _, err := Listen(sock, slog.New(slog.DiscardHandler)); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second Listen: err %v, want ErrAlreadyRunning", err)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	sock := filepath.Join(shortDir(t), "broker.sock")
	// A socket file nobody serves, as a crashed spind leaves behind.
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("stale socket missing: %v", err)
	}
	ln, err := Listen(sock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	b := New(Config{ConfigPath: filepath.Join(t.TempDir(), "none.yaml")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	c := client.New(sock)
	defer c.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	if _, err := c.Status(cctx); err != nil {
		t.Errorf("status over the new socket: %v", err)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left after shutdown: %v", err)
	}
}
