package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/keyinput"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/ttyprompt"
)

var errNoTTY = errors.New("no terminal to prompt on")

// promptKeys asks for a key pair on the terminal, the secret without echo.
func promptKeys(ctx context.Context, e *env) (keyinput.Pair, error) {
	id, err := readLine(ctx, e, "AWS access key id: ")
	if err != nil {
		return keyinput.Pair{}, hint.Wrap(fmt.Errorf("read the access key id: %w", err), "pipe the keys in with --stdin")
	}
	sec, err := readHidden(ctx, e, "AWS secret access key: ")
	if err != nil {
		return keyinput.Pair{}, hint.Wrap(fmt.Errorf("read the secret access key: %w", err), "pipe the keys in with --stdin")
	}
	return keyinput.Check(id, sec)
}

// readLine prompts on the terminal and reads a line. Ctrl-C gives
// ttyprompt.ErrInterrupted (exit 130), Ctrl-D ttyprompt.ErrEOF.
func readLine(ctx context.Context, e *env, prompt string) (string, error) {
	tty, err := e.tty()
	if err != nil {
		return "", errNoTTY
	}
	defer tty.Close()
	return ttyprompt.Line(ctx, tty, prompt)
}

// readHidden prompts on the terminal and reads a line without echo.
func readHidden(ctx context.Context, e *env, prompt string) (secret.String, error) {
	tty, err := e.tty()
	if err != nil {
		return secret.String{}, errNoTTY
	}
	defer tty.Close()
	return ttyprompt.Hidden(ctx, tty, prompt)
}
