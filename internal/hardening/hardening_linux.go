package hardening

import (
	"fmt"

	"golang.org/x/sys/unix"
)

func apply() error {
	// RLIMIT_CORE first: a crash between the two calls then dumps nothing.
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("hardening: set RLIMIT_CORE to 0: %w", err)
	}
	// Not dumpable: /proc/PID/{mem,environ,maps} and ptrace need
	// CAP_SYS_PTRACE, which the user's other processes do not have.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("hardening: prctl(PR_SET_DUMPABLE, 0): %w", err)
	}
	return nil
}

// Dumpable reports whether the process is still dumpable (for tests and
// spin doctor).
func Dumpable() (bool, error) {
	v, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		return false, fmt.Errorf("hardening: prctl(PR_GET_DUMPABLE): %w", err)
	}
	return v != 0, nil
}
