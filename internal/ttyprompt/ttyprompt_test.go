//go:build linux

package ttyprompt

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// newPTY is a real terminal pair: the prompt reads the tty end, the test
// types on the other.
func newPTY(t *testing.T) (typist, tty *os.File) {
	t.Helper()
	typist, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	t.Cleanup(func() { typist.Close(); tty.Close() })
	// Drain what the prompt echoes, so its writes never block.
	go func() { _, _ = io.Copy(io.Discard, typist) }()
	return typist, tty
}

func echoOn(t *testing.T, tty *os.File) bool {
	t.Helper()
	fd, err := fdOf(tty)
	if err != nil {
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

func TestLineAndHidden(t *testing.T) {
	typist, tty := newPTY(t)
	ctx := context.Background()
	go func() { _, _ = typist.Write([]byte("AKIAEXAMPLE \n")) }()
	if got, err := Line(ctx, tty, "id: "); err != nil || got != "AKIAEXAMPLE" {
		t.Fatalf("Line = %q, %v", got, err)
	}
	go func() { _, _ = typist.Write([]byte("s3cret\n")) }()
	if got, err := Hidden(ctx, tty, "secret: "); err != nil || got.Reveal() != "s3cret" {
		t.Fatalf("Hidden = %v, %v", got, err)
	}
	if !echoOn(t, tty) {
		t.Errorf("echo is off after a hidden prompt")
	}
}

// Ctrl-D ends every prompt with ErrEOF, echo restored.
func TestEOF(t *testing.T) {
	for name, hidden := range map[string]bool{"line": false, "hidden": true} {
		t.Run(name, func(t *testing.T) {
			typist, tty := newPTY(t)
			go func() { _, _ = typist.Write([]byte{4}) }()
			var err error
			if hidden {
				_, err = Hidden(context.Background(), tty, "secret: ")
			} else {
				_, err = Line(context.Background(), tty, "id: ")
			}
			if !errors.Is(err, ErrEOF) {
				t.Errorf("got %v, want ErrEOF", err)
			}
			if !echoOn(t, tty) {
				t.Errorf("echo is off after Ctrl-D")
			}
		})
	}
}

// Cancelled (spin's Ctrl-C) while waiting: ErrInterrupted at once, echo
// back on, and nothing left reading: the next line reaches the next reader.
func TestInterrupted(t *testing.T) {
	for name, hidden := range map[string]bool{"line": false, "hidden": true} {
		t.Run(name, func(t *testing.T) {
			typist, tty := newPTY(t)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			start := time.Now()
			var err error
			if hidden {
				_, err = Hidden(ctx, tty, "secret: ")
			} else {
				_, err = Line(ctx, tty, "id: ")
			}
			if !errors.Is(err, ErrInterrupted) || time.Since(start) > 5*time.Second {
				t.Fatalf("got %v after %v, want ErrInterrupted at once", err, time.Since(start))
			}
			if !echoOn(t, tty) {
				t.Errorf("echo is off after an interrupted prompt")
			}
			go func() { _, _ = typist.Write([]byte("next shell line\n")) }()
			got, err := Line(context.Background(), tty, "")
			if err != nil || !strings.Contains(got, "next shell line") {
				t.Errorf("the next line went to %q, %v; want it read by the next reader", got, err)
			}
		})
	}
}
