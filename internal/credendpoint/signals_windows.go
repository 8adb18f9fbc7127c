package credendpoint

import (
	"os"
	"syscall"
)

// forwardedSignals: Windows delivers only console events, which Go maps to
// SIGTERM (close, logoff, shutdown) and SIGHUP.
func forwardedSignals() []os.Signal { return []os.Signal{syscall.SIGTERM, syscall.SIGHUP} }
