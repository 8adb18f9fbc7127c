package broker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/proc"
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

// BenchmarkCredentialsOverSocket is a keep-alive client, as spin's own
// programs are (the CLI, spin exec's endpoint, spin plan's refreshes):
// spind reads only their executable on each further request. "other" is
// any other program, whose command line is read too.
func BenchmarkCredentialsOverSocket(b *testing.B) {
	for _, own := range []bool{true, false} {
		name := map[bool]string{true: "spin", false: "other"}[own]
		b.Run(name, func(b *testing.B) {
			f := newFixture(b, basicConfig, time.Now)
			withAudit(b, f)
			if own {
				exe, err := os.Executable()
				if err != nil {
					b.Fatal(err)
				}
				asOwn(f, exe)
			}
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
		})
	}
}

// asOwn makes spind count program as one of its own, as it counts spin and
// spin-credential-process installed beside it (ownPrograms).
func asOwn(f *fixture, program string) {
	f.b.own = append(f.b.own, program)
	f.b.procs.Close()
	f.b.procs = proc.NewCache(0, f.b.own...)
}

// BenchmarkCredentialsHelperProcesses is the helper's exchange, a new
// connection per request (broker/sock's raw dial and trust checks,
// HTTP/1.0, broker/credask), as every spin-credential-process makes once:
// from 4 processes of bench/askloop, so that spind's Go process does
// spind's work only. The clients' blocking system calls inside spind's
// own process would make the scheduler's retaking of blocked Ps (sysmon,
// every 20 µs) the thing measured. spind knows askloop as one of its own
// programs, as it knows the helper it stands for.
func BenchmarkCredentialsHelperProcesses(b *testing.B) {
	askloop := buildAskloop(b)
	f := newFixture(b, basicConfig, time.Now)
	withAudit(b, f)
	// askloop plays spin-credential-process: the caller is its parent.
	asOwn(f, askloop)
	socket := serveSocket(b, f).Socket()
	if out, err := exec.Command(askloop, socket, "p", "1").CombinedOutput(); err != nil {
		b.Fatalf("askloop: %v\n%s", err, out)
	}
	const procs = 4
	b.ReportAllocs() // spind's: the clients allocate in their own processes
	b.ResetTimer()
	errs := make(chan error, procs)
	for i := range procs {
		n := b.N / procs
		if i < b.N%procs {
			n++
		}
		go func() {
			out, err := exec.Command(askloop, socket, "p", strconv.Itoa(n)).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("askloop: %w\n%s", err, out)
			}
			errs <- err
		}()
	}
	for range procs {
		if err := <-errs; err != nil {
			b.Error(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// buildAskloop builds bench/askloop into b's temporary directory with the
// go command of the toolchain that built the benchmark (else the one on
// PATH), and skips the benchmark if that cannot be done.
func buildAskloop(b *testing.B) string {
	b.Helper()
	// runtime.GOROOT is deprecated because a binary may run far from
	// where it was built; a test binary runs where it was built, even
	// when run by hand (go test -c), when PATH's go may be another.
	//lint:ignore SA1019 a test binary runs where it was built (see above)
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			b.Skip("no go command to build bench/askloop with: ", err)
		}
	}
	bin := filepath.Join(b.TempDir(), "askloop")
	if out, err := exec.Command(goBin, "build", "-o", bin, "github.com/cloudspin/spin/bench/askloop").CombinedOutput(); err != nil {
		b.Skipf("go cannot build bench/askloop: %v\n%s", err, out)
	}
	return bin
}

func BenchmarkCredentialsHandler(b *testing.B) {
	f := newFixture(b, basicConfig, time.Now)
	f.get(b, "/v1/credentials/p")
	b.ReportAllocs()
	for b.Loop() {
		f.get(b, "/v1/credentials/p")
	}
}
