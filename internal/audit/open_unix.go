//go:build unix

package audit

import (
	"os"

	"golang.org/x/sys/unix"
)

// openAppend never follows a symlink: a link planted in place of the log
// must not make spind append to a file of someone's choosing.
func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|unix.O_NOFOLLOW, 0o600)
}
