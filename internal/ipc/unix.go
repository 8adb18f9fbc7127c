//go:build unix

package ipc

import (
	"context"
	"net"
)

// Unix is the unix socket transport. Its listener is bare: broker.Listen
// adds the socket directory checks, the start lock and the peer uid check.
type Unix struct{}

// Listen listens on the socket at path.
func (Unix) Listen(path string) (net.Listener, error) { return net.Listen("unix", path) }

// Dial connects to the socket at path.
func (Unix) Dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}

// Default is this platform's transport.
func Default() Transport { return Unix{} }
