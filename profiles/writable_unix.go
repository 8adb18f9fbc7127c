//go:build unix

package profiles

import "golang.org/x/sys/unix"

// writable asks the kernel whether we may write path: root passes any mode
// check, but not an immutable file (chattr +i) or a read-only mount.
func writable(path string, dir bool) error {
	mode := uint32(unix.W_OK)
	if dir {
		mode |= unix.X_OK
	}
	return unix.Access(path, mode)
}
