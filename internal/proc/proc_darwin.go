package proc

import (
	"bytes"
	"encoding/binary"
	"strings"

	"golang.org/x/sys/unix"
)

// kern.procargs2 is argc (int32), the executable path the kernel started,
// then NUL padding and argv; readable for the user's own processes.
func procArgs(pid int) (exe string, args []string, ok bool) {
	raw, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil || len(raw) < 4 {
		return "", nil, false
	}
	argc := int(binary.LittleEndian.Uint32(raw[:4]))
	rest := raw[4:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return "", nil, false
	}
	exe, rest = string(rest[:i]), bytes.TrimLeft(rest[i:], "\x00")
	for len(args) < argc && len(rest) > 0 {
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			j = len(rest)
		}
		args = append(args, string(rest[:j]))
		rest = rest[min(j+1, len(rest)):]
	}
	return exe, args, true
}

func exeOf(pid int) string {
	if exe, _, ok := procArgs(pid); ok && exe != "" {
		return exe
	}
	return Unknown
}

func parentOf(pid int) int {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0
	}
	return int(k.Eproc.Ppid)
}

// identOf is the executable and the arguments joined by NULs, as Linux's
// /proc/PID/cmdline gives them, from one kern.procargs2.
func identOf(pid int) Ident {
	exe, args, ok := procArgs(pid)
	if !ok || exe == "" {
		exe = Unknown
	}
	return Ident{exe: exe, cmdline: strings.Join(args, "\x00")}
}

// statOf: a start time is not read here, so no process of a chain is
// taken from a Cache (0 is never reused).
func statOf(pid int) (ppid int, start uint64) { return parentOf(pid), 0 }
