//go:build unix

package credask

import (
	"os"

	"golang.org/x/sys/unix"
)

// ForegroundTTY is the controlling terminal when this process is in its
// foreground process group, else nil.
func ForegroundTTY() *os.File {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	pgrp, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	if err != nil || pgrp != unix.Getpgrp() {
		f.Close()
		return nil
	}
	return f
}
