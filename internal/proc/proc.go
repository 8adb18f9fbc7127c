// Package proc describes the process on the other end of spind's socket
// and its ancestors: pid, executable and whether it is a shell. The
// executable is what the kernel says the process runs (/proc/PID/exe on
// Linux, kern.procargs2 on macOS, QueryFullProcessImageName on Windows), not
// what it calls itself; the chain of
// parents, though, is only as trustworthy as the processes in it, since a
// program of the same user can exec or re-parent its way into any chain.
package proc

import (
	"os/exec"
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

// Exe is the executable the kernel says pid runs, Unknown when it cannot
// be read.
func Exe(pid int) string { return exeOf(pid) }

// Chain returns pid and its ancestors, nearest first: at most depth
// processes, ending early at the first shell that runs neither -c nor a
// script (the user's), at init, or at a process that has gone. pid <= 0 gives nil.
func Chain(pid, depth int) []Process {
	chain, _ := (*Cache)(nil).Chain(pid, depth)
	return chain
}

// Chain is the package's Chain with the ancestors taken from c (a nil c
// caches nothing). It also returns what pid ran when its part of the chain
// was read: a caller that keeps the chain can tell with Same whether pid
// still runs that program.
func (c *Cache) Chain(pid, depth int) ([]Process, Ident) {
	var out []Process
	var peer Ident
	// last is the cache entry of the process appended last (nil: none);
	// stale, that the ppid it led to is its cached one, not one just read.
	var last *cacheEntry
	stale := false
	defer func() { c.release(last) }()
	for pid > 0 && len(out) < depth {
		var p Process
		var ppid int
		var e *cacheEntry
		if len(out) == 0 {
			p, ppid, peer = c.peer(pid)
		} else {
			e = c.ancestor(pid)
			if stale {
				if _, linked := c.cachedParent(last, e); !linked {
					// last's parent may have gone since, and last been
					// re-parented: its ppid is read now.
					if real := c.readParent(last); real != pid {
						c.release(e)
						pid, stale = real, false
						continue
					}
				}
			}
			hit := e != nil
			if hit {
				p = e.process(pid)
				ppid, _ = c.cachedParent(e, nil)
			} else {
				p, ppid, e = c.readAncestor(pid)
			}
			c.link(last, e)
			stale = hit
		}
		c.release(last)
		last = e
		out = append(out, p)
		shell := IsShell(p.Exe)
		if shell && !p.Wrapper && p.Script == "" || pid == 1 { // an interactive shell: the user's
			break
		}
		pid = ppid
	}
	return out, peer
}

// derive finds what a process's arguments say: whether it is a `sh -c`
// wrapper, else the script it runs.
func derive(id Ident) (script string, wrapper bool) {
	args := splitArgs(id.cmdline)
	if IsShell(id.exe) && isWrapper(args) {
		return "", true
	}
	return scriptOf(id.exe, args), false
}

// splitArgs splits a NUL-separated command line.
func splitArgs(cmdline string) []string {
	if cmdline == "" {
		return nil
	}
	return strings.Split(strings.TrimRight(cmdline, "\x00"), "\x00")
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
// first argument, or the second after the shebang's ARG (for
// "#!/usr/bin/env NAME", env then runs NAME PATH ...). A path only counts
// when its shebang names exe, the program the kernel says runs: any
// process can put the path of an allowed script among its arguments, but
// not be started by that script's interpreter unless it is that script.
func scriptOf(exe string, args []string) string {
	if len(args) < 2 || exe == "" {
		return ""
	}
	realExe := "" // resolved when a shebang needs it: most processes have none
	for i := 1; i <= 2 && i < len(args); i++ {
		path := args[i]
		if !filepath.IsAbs(path) {
			continue
		}
		interp, arg, ok := shebang(path)
		if !ok {
			continue
		}
		switch {
		case filepath.Base(interp) == "env" && arg != "" && i == 1:
			// #!/usr/bin/env NAME: env ran NAME PATH.
			if p, err := exec.LookPath(arg); err == nil {
				interp = p
			} else {
				continue
			}
		case arg != "" && (i != 2 || args[1] != arg):
			continue
		case arg == "" && i != 1:
			continue
		}
		if realExe == "" {
			realExe = exe
			if r, err := filepath.EvalSymlinks(exe); err == nil {
				realExe = r
			}
		}
		if r, err := filepath.EvalSymlinks(interp); err == nil && r == realExe {
			return filepath.Clean(path)
		}
	}
	return ""
}

// shebang reads a file's "#!INTERPRETER [ARG]" line.
func shebang(path string) (interp, arg string, ok bool) {
	var buf [256]byte
	n, ok := firstLine(path, buf[:])
	if !ok {
		return "", "", false
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	rest, found := strings.CutPrefix(line, "#!")
	if !found {
		return "", "", false
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", "", false
	}
	if len(fields) > 1 {
		arg = strings.Join(fields[1:], " ")
	}
	return fields[0], arg, true
}
