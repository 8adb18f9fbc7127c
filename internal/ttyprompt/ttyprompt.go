// Package ttyprompt asks questions on the terminal: a line, or a secret
// without echo. Every prompt ends on Ctrl-C (ErrInterrupted, with the
// terminal as it was) and on Ctrl-D (ErrEOF), never waits on past the
// command's context, and never leaves echo off.
//
// Why not just term.ReadPassword and a bufio read: spin catches SIGINT
// (to cancel work cleanly), so a blocking read on the terminal would
// ignore Ctrl-C, and a reader that is given up mid-read would keep the
// terminal without echo and take the user's next shell line.
package ttyprompt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/cloudspin/spin/internal/secret"
)

// ErrInterrupted is returned when the user pressed Ctrl-C (or the command
// was cancelled) at a prompt; callers exit 130 as shells expect.
var ErrInterrupted = errors.New("interrupted")

// ErrEOF is returned when the terminal ended the input (Ctrl-D) before a
// line was complete.
var ErrEOF = errors.New("no answer: the input ended (Ctrl-D)")

// ExitInterrupted is the exit code for ErrInterrupted: 128 + SIGINT.
const ExitInterrupted = 130

// Line asks prompt on tty and reads one visible line, trimmed.
func Line(ctx context.Context, tty *os.File, prompt string) (string, error) {
	fmt.Fprint(tty, prompt)
	s, err := read(ctx, tty, func() (string, error) {
		line, err := bufio.NewReader(tty).ReadString('\n')
		if errors.Is(err, io.EOF) {
			// Ctrl-D, even after some text: the line was never confirmed.
			return "", ErrEOF
		}
		return line, err
	})
	return strings.TrimSpace(s), err
}

// Hidden asks prompt on tty and reads one line without echo, trimmed.
func Hidden(ctx context.Context, tty *os.File, prompt string) (secret.String, error) {
	fmt.Fprint(tty, prompt)
	s, err := read(ctx, tty, func() (string, error) { return readHidden(tty) })
	if !errors.Is(err, ErrInterrupted) {
		// Without echo the Enter did not show: end the prompt's line.
		fmt.Fprintln(tty)
	}
	return secret.New(strings.TrimSpace(s)), err
}

// fdOf is tty's descriptor. File.Fd would switch the file to blocking
// mode, and then no deadline could end a read.
func fdOf(tty *os.File) (int, error) {
	rc, err := tty.SyscallConn()
	if err != nil {
		return -1, err
	}
	var fd int
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return -1, err
	}
	return fd, nil
}

// read runs readLine while watching ctx (spin turns Ctrl-C into a
// cancelled context). Cancelled, it puts the terminal back as it was,
// unblocks the reader and returns ErrInterrupted at once.
func read(ctx context.Context, tty *os.File, readLine func() (string, error)) (string, error) {
	fd, err := fdOf(tty)
	if err != nil {
		return "", fmt.Errorf("read from the terminal: %w", err)
	}
	saved, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("read from the terminal: %w", err)
	}
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := readLine()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && !errors.Is(r.err, ErrEOF) {
			r.err = fmt.Errorf("read from the terminal: %w", r.err)
		}
		return r.s, r.err
	case <-ctx.Done():
		_ = term.Restore(fd, saved)
		// The terminal is pollable (fdOf kept it so): the deadline ends
		// the read, so nothing is left to take the user's next line.
		// Where it is not, the process exits right after anyway.
		_ = tty.SetReadDeadline(time.Now())
		select {
		case <-done:
			_ = tty.SetReadDeadline(time.Time{})
		case <-time.After(100 * time.Millisecond):
		}
		_ = term.Restore(fd, saved)
		fmt.Fprintln(tty)
		return "", ErrInterrupted
	}
}
