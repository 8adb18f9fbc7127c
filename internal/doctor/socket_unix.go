//go:build unix

package doctor

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// socketCheck: the socket and its directory are the user's alone.
func socketCheck(sock string) Check {
	var dir, s unix.Stat_t
	if err := unix.Stat(filepath.Dir(sock), &dir); err != nil {
		return Check{Warn, "socket", "no socket directory yet", ""}
	}
	if int(dir.Uid) != os.Getuid() || dir.Mode&0o077 != 0 {
		return Check{Fail, "socket", fmt.Sprintf("directory %s is mode %o, owner %d", filepath.Dir(sock), dir.Mode&0o777, dir.Uid), "chmod 700 " + filepath.Dir(sock)}
	}
	if err := unix.Lstat(sock, &s); err != nil {
		return Check{Warn, "socket", "no socket at " + sock, "spin daemon start"}
	}
	if int(s.Uid) != os.Getuid() || s.Mode&0o077 != 0 {
		return Check{Fail, "socket", fmt.Sprintf("%s is mode %o, owner %d", sock, s.Mode&0o777, s.Uid), "spin daemon stop; spin daemon start"}
	}
	return Check{OK, "socket", "user-only (" + sock + ")", ""}
}
