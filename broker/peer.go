package broker

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// peerKey carries the connecting process's pid in a request's context.
type peerKey struct{}

// connContext records the peer's pid (SO_PEERCRED) for the connection's
// requests; handlers that hand out something sensitive log who asked.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if _, pid, err := peerCred(c); err == nil {
		return context.WithValue(ctx, peerKey{}, pid)
	}
	return ctx
}

// peerPID is the requesting process's pid, 0 when unknown (a test's
// handler without a socket, or a platform without peer credentials).
func peerPID(ctx context.Context) int {
	pid, _ := ctx.Value(peerKey{}).(int)
	return pid
}

// processInfo describes a process for the log: its executable and its
// parent's, since the helper that connects is rarely the program that
// wanted the keys. It reads /proc (Linux); elsewhere the fields say unknown.
type processInfo struct {
	PID       int
	Exe       string
	PPID      int
	ParentExe string
}

func describeProcess(pid int) processInfo {
	p := processInfo{PID: pid, Exe: exeOf(pid)}
	if pid > 0 {
		p.PPID = parentOf(pid)
		if p.PPID > 0 {
			p.ParentExe = exeOf(p.PPID)
		}
	}
	return p
}

// exeOf is /proc/PID/exe; a process that made itself non-dumpable hides
// it even from its own uid, so fall back to its command name.
func exeOf(pid int) string {
	if pid <= 0 {
		return "unknown"
	}
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil {
		return exe
	}
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil {
		return "(" + strings.TrimSpace(string(comm)) + ")"
	}
	return "unknown"
}

// parentOf reads the ppid from /proc/PID/stat, after the command name,
// which may itself contain spaces and parentheses.
func parentOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
