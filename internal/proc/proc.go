// Package proc describes the process on the other end of spind's socket
// and its ancestors: pid, executable and whether it is a shell. The
// executable is what the kernel says the process runs (/proc/PID/exe on
// Linux, kern.procargs2 on macOS), not what it calls itself; the chain of
// parents, though, is only as trustworthy as the processes in it, since a
// program of the same user can exec or re-parent its way into any chain.
package proc

import (
	"path/filepath"
	"slices"
)

// Unknown is the executable of a process whose binary cannot be read.
const Unknown = "unknown"

// Process is one process of a chain.
type Process struct {
	PID int    `json:"pid"`
	Exe string `json:"exe"`
	// Wrapper: a shell running `-c COMMAND` that did not exec into it (the
	// way SDKs start credential_process); it asked for nobody.
	Wrapper bool `json:"wrapper,omitempty"`
}

// shells are the executables treated as shells.
var shells = []string{"sh", "dash", "bash", "zsh", "ksh", "mksh", "fish", "busybox", "ash"}

// IsShell reports whether exe is a shell.
func IsShell(exe string) bool { return slices.Contains(shells, filepath.Base(exe)) }

// Chain returns pid and its ancestors, nearest first: at most depth
// processes, ending early at the first shell that is not a -c wrapper (the
// user's), at init, or at a process that has gone. pid <= 0 gives nil.
func Chain(pid, depth int) []Process {
	var out []Process
	for pid > 0 && len(out) < depth {
		p := Process{PID: pid, Exe: exeOf(pid)}
		shell := IsShell(p.Exe)
		if shell {
			p.Wrapper = isWrapper(pid)
		}
		out = append(out, p)
		if shell && !p.Wrapper || pid == 1 {
			break
		}
		pid = parentOf(pid)
	}
	return out
}

// Requester is the process that asked, from a chain that starts at the
// socket's peer: the first that is not one of spin's own programs (by base
// name: the helper and the CLI fetch credentials on behalf of their
// parent) and not a `sh -c` wrapper. Its Exe is Unknown when the chain has
// none.
func Requester(chain []Process, own ...string) Process {
	for _, p := range chain {
		if slices.Contains(own, filepath.Base(p.Exe)) || p.Wrapper {
			continue
		}
		return p
	}
	return Process{Exe: Unknown}
}
