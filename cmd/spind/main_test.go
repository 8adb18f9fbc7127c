package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/sdkcheck/sdkchecktest"
)

// The checker's tests run the spind that sdkchecktest builds.
func TestMain(m *testing.M) { os.Exit(sdkchecktest.Main(m)) }

// An argument spind does not know is refused at once: neither a typo nor
// the command of a newer spin starts a daemon.
func TestUnexpectedArgument(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPIN_SOCKET": filepath.Join(dir, "s.sock"), "HOME": dir, "XDG_STATE_HOME": dir}
	for _, tt := range []struct {
		args []string
		bad  string
	}{{[]string{"statsu"}, "statsu"}, {[]string{"__check-aws-files", "x"}, "__check-aws-files"}, {[]string{"--log-level", "debug", "stop"}, "stop"}} {
		args := tt.args
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var stderr bytes.Buffer
		code := run(ctx, args, func(k string) string { return env[k] }, &stderr, nil)
		cancel()
		if code != 2 || !strings.Contains(stderr.String(), "spind: unexpected argument "+`"`+tt.bad+`"`) || !strings.Contains(stderr.String(), "Usage: spind [flags]") {
			t.Errorf("spind %q: exit %d, stderr %q; want 2 and a usage line", args, code, stderr.String())
		}
	}
}

// lockedBuffer is spind's stderr, read while spind writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A relative --config is pinned where spind starts: spind reports it, and
// compares the helpers' absolute --config with it, by that path.
func TestRelativeConfigMadeAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"HOME": dir, "XDG_STATE_HOME": dir}
	ctx, cancel := context.WithCancel(context.Background())
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--config", "rel.yaml", "--socket", filepath.Join(dir, "s.sock")}, func(k string) string { return env[k] }, &stderr, nil)
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "spind listening") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if want := "config=" + filepath.Join(dir, "rel.yaml") + " "; !strings.Contains(stderr.String(), want) {
		t.Errorf("spind's log:\n%s\nwant %q", stderr.String(), want)
	}
}
