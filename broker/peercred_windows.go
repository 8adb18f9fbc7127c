package broker

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/windows"
)

// peerCred is the pipe client's pid. Windows has no uid to compare: the
// pipe's DACL admits only this user, so the uid reported is our own.
func peerCred(c net.Conn) (uid, pid int, err error) {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return 0, 0, fmt.Errorf("pipe connection %T has no handle", c)
	}
	var p uint32
	if err := windows.GetNamedPipeClientProcessId(windows.Handle(f.Fd()), &p); err != nil {
		return 0, 0, err
	}
	return os.Getuid(), int(p), nil
}
