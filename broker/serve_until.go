package broker

import (
	"context"
	"errors"
	"net"
	"time"
)

// ErrAlreadyRunning means another spind owns the socket.
var ErrAlreadyRunning = errors.New("another spind is already serving this socket")

// serveUntil runs srv on ln until ctx ends, then shuts it down gracefully.
func serveUntil(ctx context.Context, srv interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); errors.Is(err, context.DeadlineExceeded) {
		// A handler is still busy (an STS call, say): stop waiting for it.
		if c, ok := srv.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	} else if err != nil {
		<-errc
		return err
	}
	<-errc
	return nil
}
