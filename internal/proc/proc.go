// Package proc describes the process on the other end of spind's socket
// and its ancestors: pid, executable and whether it is a shell. The
// executable is what the kernel says the process runs (/proc/PID/exe on
// Linux, kern.procargs2 on macOS, QueryFullProcessImageName on Windows), not
// what it calls itself; the chain of
// parents, though, is only as trustworthy as the processes in it, since a
// program of the same user can exec or re-parent its way into any chain.
package proc

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Unknown is the executable of a process whose binary cannot be read.
const Unknown = "unknown"

// Process is one process of a chain.
type Process struct {
	PID int    `json:"pid"`
	Exe string `json:"exe"`
	// Script is the script an interpreter runs (the AWS CLI v2 of Debian
	// is a Python script, so its Exe is python3): the first or second
	// argument when it names a file that starts with "#!". The process's
	// own arguments say so, not the kernel.
	Script string `json:"script,omitempty"`
	// Wrapper: a shell running `-c COMMAND` that did not exec into it (the
	// way SDKs start credential_process); it asked for nobody.
	Wrapper bool `json:"wrapper,omitempty"`
}

// Name is how a process is shown: its script, with the interpreter in
// parentheses, or its executable.
func (p Process) Name() string {
	if p.Script != "" {
		return p.Script + " (" + filepath.Base(p.Exe) + ")"
	}
	return p.Exe
}

// shells are the executables treated as shells.
var shells = []string{"sh", "dash", "bash", "zsh", "ksh", "mksh", "fish", "busybox", "ash", "cmd.exe", "powershell.exe", "pwsh.exe", "pwsh"}

// IsShell reports whether exe is a shell.
func IsShell(exe string) bool { return slices.Contains(shells, filepath.Base(exe)) }

// Chain returns pid and its ancestors, nearest first: at most depth
// processes, ending early at the first shell that runs neither -c nor a
// script (the user's), at init, or at a process that has gone. pid <= 0 gives nil.
func Chain(pid, depth int) []Process {
	var out []Process
	for pid > 0 && len(out) < depth {
		p := Process{PID: pid, Exe: exeOf(pid)}
		args := argsOf(pid)
		shell := IsShell(p.Exe)
		if shell {
			p.Wrapper = isWrapper(args)
		}
		if !p.Wrapper {
			p.Script = scriptOf(args)
		}
		out = append(out, p)
		if shell && !p.Wrapper && p.Script == "" || pid == 1 { // an interactive shell: the user's
			break
		}
		pid = parentOf(pid)
	}
	return out
}

// Requester is the process that asked, from a chain that starts at the
// socket's peer: the first that is not one of spin's own programs (own
// holds their full paths: the helper and the CLI fetch credentials on
// behalf of their parent, while a copy of them elsewhere, which anyone
// could put there, asks for itself) and not a `sh -c` wrapper. Its Exe is
// Unknown when the chain has none.
func Requester(chain []Process, own ...string) Process {
	for _, p := range chain {
		if p.Script == "" && slices.Contains(own, p.Exe) || p.Wrapper {
			continue
		}
		return p
	}
	return Process{Exe: Unknown}
}

// isWrapper reports whether a shell's arguments are `sh -c ...` (or -ec,
// -lc and so on; not a --long option).
func isWrapper(args []string) bool {
	return len(args) > 1 && strings.HasPrefix(args[1], "-") && !strings.HasPrefix(args[1], "--") && strings.Contains(args[1], "c")
}

// scriptOf finds the script a shebang started: the kernel runs
// "#!INTERPRETER [ARG]" files as INTERPRETER [ARG] PATH ..., so PATH is the
// first or second argument. Only an absolute path to a file that starts
// with #! counts.
func scriptOf(args []string) string {
	for _, a := range args[min(1, len(args)):min(3, len(args))] {
		if !filepath.IsAbs(a) {
			continue
		}
		f, err := os.Open(a)
		if err != nil {
			continue
		}
		head := make([]byte, 2)
		_, err = io.ReadFull(f, head)
		f.Close()
		if err == nil && string(head) == "#!" {
			return filepath.Clean(a)
		}
	}
	return ""
}
