//go:build unix

package credendpoint

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestSuperviseExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   int
	}{
		{"success", "exit 0", 0},
		{"failure", "exit 3", 3},
		{"killed by a signal", "kill -KILL $$", 128 + int(syscall.SIGKILL)},
	}
	for _, tt := range tests {
		code, err := Supervise(exec.Command("/bin/sh", "-c", tt.script))
		if err != nil || code != tt.want {
			t.Errorf("%s: got %d, %v; want %d", tt.name, code, err, tt.want)
		}
	}
	if _, err := Supervise(exec.Command("/nonexistent/cmd")); err == nil {
		t.Error("a missing binary ran")
	}
}

// SIGTERM to spin reaches the child; SIGINT (the terminal's Ctrl-C, which
// the child gets from the terminal itself) is not sent a second time.
func TestSuperviseForwardsSignals(t *testing.T) {
	child := exec.Command("/bin/sh", "-c", `trap 'echo int' INT; trap 'echo term; exit 7' TERM; echo ready; while :; do sleep 0.01; done`)
	out := &syncBuffer{}
	child.Stdout = out
	go func() {
		for !out.contains("ready") {
			time.Sleep(5 * time.Millisecond)
		}
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGINT)
		time.Sleep(50 * time.Millisecond)
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
	}()
	code, err := Supervise(child)
	if err != nil || code != 7 || out.contains("int") || !out.contains("term") {
		t.Errorf("got %d, %v, child said %q; want exit 7 after TERM only", code, err, out.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) contains(sub string) bool { return strings.Contains(s.String(), sub) }
