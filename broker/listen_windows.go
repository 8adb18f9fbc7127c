package broker

import (
	"fmt"
	"log/slog"
	"net"

	"github.com/cloudspin/spin/internal/ipc"
)

// Listen creates spind's named pipe, whose DACL admits only this user
// (ipc.Pipe). The pipe is created as its first instance, so a second
// spind, or a squatter that made the name first, fails here instead of
// sharing it.
func Listen(name string, logger *slog.Logger) (net.Listener, error) {
	ln, err := ipc.Default().Listen(name)
	if err != nil {
		return nil, fmt.Errorf("%w or the pipe name is taken (%s): %v", ErrAlreadyRunning, name, err)
	}
	logger.Debug("listening", "pipe", name)
	return ln, nil
}
