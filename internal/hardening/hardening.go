// Package hardening keeps a process that holds secrets out of reach of the
// user's other processes, as ssh-agent and gpg-agent do: no core dumps, and
// on Linux not dumpable, so /proc/PID/mem, /proc/PID/environ and ptrace
// (gdb, gcore) are refused to every process of the same uid that lacks
// CAP_SYS_PTRACE.
//
// It imports only golang.org/x/sys, never net or cgo, so the lean
// credential helper can call it without a slower start.
package hardening

import (
	"fmt"
	"io"
)

// Apply makes the calling process non-dumpable and sets its core size limit
// to 0. Call it first thing in a process that will hold a secret; it lasts
// until the process execs another program. An error means the protection
// is not in place; callers log it and go on, since refusing to run would
// not keep the secret any safer than the OS already does.
func Apply() error { return apply() }

// ForSecret is Apply for a command about to read a passphrase or key: a
// failure is a warning on stderr, and the command goes on.
func ForSecret(stderr io.Writer) {
	if err := Apply(); err != nil {
		fmt.Fprintf(stderr, "spin: warning: %v\n", err)
	}
}
