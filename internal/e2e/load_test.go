package e2e

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
)

// 100,000 credential requests over the socket from 64 concurrent clients
// against a real spind: no error, and spind's goroutines and RSS, read from
// /v1/status, return to their idle level.
func TestLoadAgainstSpind(t *testing.T) {
	w := newWorld(t, worldOptions{backend: "file"})
	w.env = append(w.env, "SPIN_KEYRING_PASSPHRASE=test-keyring-passphrase")
	w.run("", "daemon", "start")
	w.addKeys()
	ctx := context.Background()
	c := client.New(w.sock)
	if _, err := c.Credentials(ctx, "assume-test", ""); err != nil {
		t.Fatal(err)
	}
	c.Close()
	idle := w.settledStatus(t, nil)
	t.Logf("idle: %d goroutines, RSS %.1f MB", idle.Goroutines, float64(idle.RSSBytes)/1e6)

	const total, workers = 100_000, 64
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(w.sock)
			defer c.Close()
			for next.Add(1) <= total {
				if _, err := c.Credentials(ctx, "assume-test", ""); err != nil && failed.Add(1) < 5 {
					t.Errorf("request: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests in %s", total, time.Since(start).Round(time.Millisecond))
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed", n, total)
	}
	if n := w.emu.Calls("AssumeRole"); n != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", n)
	}
	after := w.settledStatus(t, &idle)
	t.Logf("after: %d goroutines, RSS %.1f MB", after.Goroutines, float64(after.RSSBytes)/1e6)
	if after.Goroutines > idle.Goroutines+2 {
		t.Errorf("goroutines after load = %d, idle %d", after.Goroutines, idle.Goroutines)
	}
	if limit := idle.RSSBytes + 8<<20; after.RSSBytes > limit {
		t.Errorf("RSS after load = %d, idle %d: grew by more than 8 MiB", after.RSSBytes, idle.RSSBytes)
	}
	if idle.RSSBytes > 25<<20 {
		t.Errorf("idle RSS = %.1f MB, want <= 25 MB", float64(idle.RSSBytes)/1e6)
	}
}

// settledStatus reads /v1/status until goroutines fall back to target's
// level (or for 10 s); with no target it waits a moment for idle.
func (w *world) settledStatus(t *testing.T, target *api.Status) api.Status {
	t.Helper()
	var st api.Status
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		c := client.New(w.sock)
		var err error
		st, err = c.Status(context.Background())
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if target == nil || st.Goroutines <= target.Goroutines+2 && st.RSSBytes <= target.RSSBytes+8<<20 {
			break
		}
	}
	return st
}
