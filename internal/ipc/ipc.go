// Package ipc is the channel between spind and its clients: a unix socket
// on Linux and macOS (broker checks the peer's uid on each connection), a
// named pipe on Windows whose security descriptor admits only the user who
// runs spind, as Windows' OpenSSH agent does. Everything above it speaks
// the same HTTP protocol over whichever this is.
//
// The platform code stays small and behind Transport; the Linux tests
// exercise the unix implementation, and the pieces of the Windows one that
// do not need Windows (pipe name, security descriptor) are plain functions
// tested everywhere. Windows itself cannot run here (see README).
package ipc

import (
	"context"
	"net"
)

// Transport opens the listener spind serves on and the connections
// clients make to it. Addresses are socket paths on unix and pipe names
// (sock.PipeName) on Windows.
type Transport interface {
	Listen(addr string) (net.Listener, error)
	Dial(ctx context.Context, addr string) (net.Conn, error)
}

// PipeSDDL is the security descriptor of spind's pipe: a protected DACL
// (nothing inherited) granting full access to the owner's SID alone, so
// other users, administrators' ordinary tokens and network logons get no
// handle at all.
func PipeSDDL(userSID string) string {
	return "D:P(A;;GA;;;" + userSID + ")"
}
