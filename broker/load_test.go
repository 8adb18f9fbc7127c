package broker

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/credproc"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/audit"
)

// serveSocket runs the fixture's broker on a real unix socket.
func serveSocket(tb testing.TB, f *fixture) *client.Client {
	tb.Helper()
	sock := filepath.Join(shortDir(tb), "broker.sock")
	ln, err := Listen(sock, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = f.b.Serve(ctx, ln); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	return client.New(sock)
}

// 100,000 requests from 64 concurrent clients: no error, and afterwards
// spind's goroutine count is back at its idle level.
func TestLoadReturnsToIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	f := newFixture(t, basicConfig, time.Now)
	c0 := serveSocket(t, f)
	ctx := context.Background()
	if _, err := c0.Credentials(ctx, "p", ""); err != nil {
		t.Fatal(err)
	}
	c0.Close()
	time.Sleep(100 * time.Millisecond)
	idle := settledGoroutines(t, c0, 1<<30)

	const total, workers = 100_000, 64
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(c0.Socket())
			defer c.Close()
			for next.Add(1) <= total {
				if _, err := c.Credentials(ctx, "p", ""); err != nil {
					if failed.Add(1) < 5 {
						t.Errorf("request failed: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed", n, total)
	}
	if n := f.sts.calls.Load(); n != 1 {
		t.Errorf("STS calls = %d, want 1", n)
	}
	if got := settledGoroutines(t, c0, idle+2); got > idle+2 {
		t.Errorf("goroutines after load = %d, idle was %d", got, idle)
	}
}

// settledGoroutines polls /v1/status until the goroutine count is at most
// target (or for 5 s) and returns the last reading.
func settledGoroutines(t *testing.T, c *client.Client, target int) int {
	t.Helper()
	var n int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		st, err := c.Status(context.Background())
		c.Close() // its own connection must not count
		if err != nil {
			t.Fatal(err)
		}
		if n = st.Goroutines; n <= target {
			break
		}
	}
	return n
}

// withAudit gives the fixture's broker an audit log, as spind has: every
// request appends a record to it.
func withAudit(b *testing.B, f *fixture) {
	l, err := audit.Open(filepath.Join(b.TempDir(), "audit.log"), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	f.b.cfg.Audit = l
}

// BenchmarkCredentialsOverSocket is a keep-alive client, as spin exec's
// endpoint is.
func BenchmarkCredentialsOverSocket(b *testing.B) {
	f := newFixture(b, basicConfig, time.Now)
	withAudit(b, f)
	c := serveSocket(b, f)
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Credentials(ctx, "p", ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Credentials(ctx, "p", ""); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkCredentialsConnPerRequest is the helper's exchange: a new
// connection per request (broker/sock's raw dial, HTTP/1.0), as every
// spin-credential-process makes once.
func BenchmarkCredentialsConnPerRequest(b *testing.B) {
	f := newFixture(b, basicConfig, time.Now)
	withAudit(b, f)
	c := serveSocket(b, f)
	defer c.Close()
	o := credproc.Options{Profile: "p", Launch: launch.Options{Socket: c.Socket()}}
	if code := credproc.Run(context.Background(), o, io.Discard, io.Discard); code != 0 {
		b.Fatal("helper exchange failed")
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if code := credproc.Run(context.Background(), o, io.Discard, io.Discard); code != 0 {
				b.Error("helper exchange failed")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkCredentialsHandler(b *testing.B) {
	f := newFixture(b, basicConfig, time.Now)
	f.get(b, "/v1/credentials/p")
	b.ReportAllocs()
	for b.Loop() {
		f.get(b, "/v1/credentials/p")
	}
}
