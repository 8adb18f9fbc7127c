package client

import (
	"context"
	"net"

	"github.com/cloudspin/spin/internal/ipc"
)

// Dial connects to spind's named pipe; ipc.Pipe checks that its server
// runs as this user.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	return ipc.Default().Dial(ctx, path)
}

// peerPID is 0: the pipe's server was checked by its user, not its pid.
func peerPID(net.Conn) int { return 0 }
