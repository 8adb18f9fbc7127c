//go:build unix

package launch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSpind is a "spind" that exits with code at once.
func fakeSpind(t *testing.T, code string) Options {
	t.Helper()
	dir, err := os.MkdirTemp("", "spinl") // short: a socket path
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "spind")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit "+code+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	env := map[string]string{"HOME": home}
	return Options{Socket: filepath.Join(dir, "run", "broker.sock"), Binary: bin, Wait: 2 * time.Second,
		Getenv: func(k string) string { return env[k] }}
}

// A spind that fails is reported at once, with its status and log; one
// that lost the start race (ExitAlreadyRunning) is waited out, since the
// winner will answer.
func TestEnsureStartedReadsSpindsExitStatus(t *testing.T) {
	o := fakeSpind(t, "1")
	start := time.Now()
	_, err := EnsureStarted(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "spind exited (status 1) before answering") || !strings.Contains(err.Error(), "see its log") {
		t.Errorf("failed spind: got %v", err)
	}
	if took := time.Since(start); took > o.Wait/2 {
		t.Errorf("a failed spind was waited out for %s", took)
	}

	o = fakeSpind(t, "3")
	start = time.Now()
	_, err = EnsureStarted(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("spind that lost the race, no winner: got %v, want the wait to run out", err)
	}
	if took := time.Since(start); took < o.Wait {
		t.Errorf("gave up after %s, before the winner could answer", took)
	}
}
