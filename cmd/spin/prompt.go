package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/term"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/keyinput"
	"github.com/cloudspin/spin/internal/secret"
)

var errNoTTY = errors.New("no terminal to prompt on")

// promptKeys asks for a key pair on the terminal, the secret without echo.
func promptKeys(e *env) (keyinput.Pair, error) {
	tty, err := e.tty()
	if err != nil {
		return keyinput.Pair{}, hint.Wrap(errNoTTY, "pipe the keys in with --stdin")
	}
	defer tty.Close()
	fmt.Fprint(tty, "AWS access key id: ")
	id, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil {
		return keyinput.Pair{}, fmt.Errorf("read access key id: %w", err)
	}
	sec, err := readHidden(e, "AWS secret access key: ")
	if err != nil {
		return keyinput.Pair{}, err
	}
	return keyinput.Check(strings.TrimSpace(id), sec)
}

// readHidden prompts on the terminal and reads a line without echo.
func readHidden(e *env, prompt string) (secret.String, error) {
	tty, err := e.tty()
	if err != nil {
		return secret.String{}, errNoTTY
	}
	defer tty.Close()
	fmt.Fprint(tty, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return secret.String{}, fmt.Errorf("read from terminal: %w", err)
	}
	return secret.New(strings.TrimSpace(string(b))), nil
}
