//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package ttyprompt

import (
	"errors"
	"io"
	"os"

	"golang.org/x/term"
)

// readHidden reads a line without echo with term.ReadPassword, which
// knows the console API here.
func readHidden(tty *os.File) (string, error) {
	b, err := term.ReadPassword(int(tty.Fd()))
	if errors.Is(err, io.EOF) {
		return "", ErrEOF
	}
	return string(b), err
}
