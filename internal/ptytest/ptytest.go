//go:build unix

package ptytest

import (
	"bytes"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"

	"github.com/creack/pty"
)

// Terminal is a pseudo-terminal whose output is collected from the moment
// it opens, so that no prompt is missed.
type Terminal struct {
	master, tty *os.File
	mu          sync.Mutex
	out         bytes.Buffer
}

// Open opens a terminal, closed when the test ends; a system without
// ptys skips the test.
func Open(t testing.TB) *Terminal {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	tm := &Terminal{master: master, tty: tty}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			tm.mu.Lock()
			tm.out.Write(b[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		master.Close()
		tty.Close()
	})
	return tm
}

// TTY is the program's end of the terminal.
func (tm *Terminal) TTY() *os.File { return tm.tty }

// Start starts cmd as a shell starts a job: in a session of its own with
// the terminal as its controlling terminal, so that Ctrl-C typed there is
// the kernel's SIGINT to it, and reading the terminal as stdin. Its
// stdout and stderr are the terminal unless the caller set them.
func (tm *Terminal) Start(cmd *exec.Cmd) error {
	cmd.Stdin = tm.tty
	if cmd.Stdout == nil {
		cmd.Stdout = tm.tty
	}
	if cmd.Stderr == nil {
		cmd.Stderr = tm.tty
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0} // Ctty is the child's fd 0
	return cmd.Start()
}

// Type writes keys on the terminal, as a user types them.
func (tm *Terminal) Type(keys string) error {
	_, err := tm.master.Write([]byte(keys))
	return err
}

// Output is everything written on the terminal so far.
func (tm *Terminal) Output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}
