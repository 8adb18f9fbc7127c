//go:build unix

package ptytest

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A program started on the terminal has it as its controlling terminal
// (it can open /dev/tty), reads what is typed, and its output is
// collected.
func TestStart(t *testing.T) {
	tm := Open(t)
	cmd := exec.Command("sh", "-c", `printf 'name? '; read x; echo "hello $x" > /dev/tty`)
	if err := tm.Start(cmd); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(tm.Output(), "name? "); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no prompt: %q", tm.Output())
		}
	}
	if err := tm.Type("pty\r"); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v; output %q", err, tm.Output())
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(tm.Output(), "hello pty"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("output %q, want hello pty", tm.Output())
		}
	}
}
