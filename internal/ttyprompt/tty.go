package ttyprompt

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/cloudspin/spin/internal/secret"
)

// ErrNoTerminal is what a TTY's prompts return when there is no terminal
// to ask on (no controlling terminal: a pipe, cron, CI); callers then say
// which flag or command does without one.
var ErrNoTerminal = errors.New("no terminal to prompt on")

// TTY opens the terminal to ask on, afresh for each prompt (os.Stdin may
// be a pipe while a person still sits at /dev/tty).
type TTY func() (*os.File, error)

// ControllingTTY is the process's controlling terminal.
func ControllingTTY() (*os.File, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }

// Line asks prompt and reads one visible line (see Line).
func (t TTY) Line(ctx context.Context, prompt string) (string, error) {
	tty, err := t.open()
	if err != nil {
		return "", err
	}
	defer tty.Close()
	return Line(ctx, tty, prompt)
}

// Hidden asks prompt and reads one line without echo (see Hidden).
func (t TTY) Hidden(ctx context.Context, prompt string) (secret.String, error) {
	tty, err := t.open()
	if err != nil {
		return secret.String{}, err
	}
	defer tty.Close()
	return Hidden(ctx, tty, prompt)
}

// Writer opens the terminal to show text on, such as a sign-in's URL.
func (t TTY) Writer() (io.WriteCloser, error) {
	tty, err := t.open()
	if err != nil {
		return nil, err // not a nil *os.File in a non-nil interface
	}
	return tty, nil
}

func (t TTY) open() (*os.File, error) {
	if t == nil {
		return nil, ErrNoTerminal
	}
	tty, err := t()
	if err != nil {
		return nil, ErrNoTerminal
	}
	return tty, nil
}
