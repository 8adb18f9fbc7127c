//go:build unix

package launch

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// CloseInherited closes every descriptor above 2 that spind inherited. Go
// starts a child with 0-2 only, but a descriptor its parent (a shell, an
// IDE, a CI runner) left open without close-on-exec survives every exec
// along the way, and a daemon would pin it, and whatever it reads or
// writes, for its whole life. Descriptors Go opens itself are all
// close-on-exec, so "lacks FD_CLOEXEC" picks exactly the inherited ones;
// call it first thing in main, before anything else opens one.
func CloseInherited() (closed []int) {
	ents, err := os.ReadDir("/dev/fd") // Linux and macOS
	if err != nil {
		return nil
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue // gone (ReadDir's own) or Go's
		}
		if unix.Close(fd) == nil {
			closed = append(closed, fd)
		}
	}
	return closed
}
