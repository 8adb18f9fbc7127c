//go:build unix

package credendpoint

import (
	"os"
	"syscall"
)

// forwardedSignals are the signals that end a session and are passed on to
// the child.
func forwardedSignals() []os.Signal {
	return []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2}
}
