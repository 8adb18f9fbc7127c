package broker

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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

// Whatever is at the socket path and is not a socket stays as it was:
// spind refuses with one line naming the path.
func TestListenNeverDeletesANonSocket(t *testing.T) {
	dir := shortDir(t)
	target := filepath.Join(dir, "precious")
	if err := os.WriteFile(target, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, plant := range map[string]func(string) error{
		"regular file": func(p string) error { return os.WriteFile(p, []byte("mine"), 0o600) },
		"symlink":      func(p string) error { return os.Symlink(target, p) },
		"directory":    func(p string) error { return os.Mkdir(p, 0o700) },
	} {
		t.Run(name, func(t *testing.T) {
			sock := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".sock")
			if err := plant(sock); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Lstat(sock)
			ln, err := Listen(sock, slog.New(slog.DiscardHandler))
			if err == nil {
				ln.Close()
				t.Fatal("Listen replaced it")
			}
			if msg := err.Error(); !strings.Contains(msg, sock+" exists and is not a socket (a "+name) || strings.Contains(msg, "\n") {
				t.Errorf("error %q", msg)
			}
			after, err := os.Lstat(sock)
			if err != nil || !os.SameFile(before, after) {
				t.Errorf("%s at the socket path was touched: %v", name, err)
			}
		})
	}
	if b, _ := os.ReadFile(target); string(b) != "data" {
		t.Errorf("symlink target changed: %q", b)
	}
}

// An accepted connection carries the peer's pid from the uid check, for
// connContext, and still offers net/http the half-close of a unix socket.
func TestAcceptedConnCarriesPeerPID(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Windows listener checks its peers another way")
	}
	sock := filepath.Join(shortDir(t), "s.sock")
	ln, err := Listen(sock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pc, ok := c.(*peerConn)
	if !ok || pc.pid != os.Getpid() {
		t.Fatalf("accepted %T %+v, want a peerConn with pid %d", c, c, os.Getpid())
	}
	if _, ok := c.(interface{ CloseWrite() error }); !ok {
		t.Error("the accepted connection lost CloseWrite")
	}
	ctx := (&Broker{}).connContext(context.Background(), c)
	if got := peerPID(ctx); got != os.Getpid() {
		t.Errorf("connContext: pid %d, want %d", got, os.Getpid())
	}
}
