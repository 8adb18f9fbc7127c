package stackrun

import (
	"errors"
	"fmt"
)

// ExitError is tofu exiting non-zero. tofu has already printed why on the
// stderr it shares with spin, so the message only names the command.
type ExitError struct {
	Command string // plan, apply, ...
	Code    int
	Err     error
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("tofu %s failed (exit status %d); its messages are above", e.Command, e.Code)
}

func (e *ExitError) Unwrap() error { return e.Err }

// ErrInterrupted is returned (wrapped) when the context was cancelled
// while tofu ran: tofu got SIGINT and stopped cleanly, releasing its lock.
var ErrInterrupted = errors.New("interrupted")
