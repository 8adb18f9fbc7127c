//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package ttyprompt

import (
	"bufio"
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// readHidden reads a line with echo off, through tty's Read (which a
// deadline can end, unlike term.ReadPassword's raw read), and puts the
// terminal's settings back however it ends.
func readHidden(tty *os.File) (string, error) {
	fd, err := fdOf(tty)
	if err != nil {
		return "", err
	}
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return "", err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet); err != nil {
		return "", err
	}
	defer func() { _ = unix.IoctlSetTermios(fd, ioctlSetTermios, old) }()
	line, err := bufio.NewReader(tty).ReadString('\n')
	if errors.Is(err, io.EOF) {
		return "", ErrEOF
	}
	return line, err
}
