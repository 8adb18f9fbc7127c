//go:build unix && !linux

package hardening

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Other Unix systems have no PR_SET_DUMPABLE; their ptrace rules are
// stricter by default (macOS needs the debugger entitlement), so the core
// limit is what is left to set.
func apply() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("hardening: set RLIMIT_CORE to 0: %w", err)
	}
	return nil
}

// Dumpable reports false: without PR_SET_DUMPABLE there is nothing to ask.
func Dumpable() (bool, error) { return false, nil }
