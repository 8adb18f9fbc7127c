package broker

import (
	"context"
	"net"

	"github.com/cloudspin/spin/internal/proc"
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
// wanted the keys.
type processInfo struct {
	PID       int
	Exe       string
	PPID      int
	ParentExe string
}

func describeProcess(pid int) processInfo {
	p := processInfo{PID: pid, Exe: proc.Unknown}
	chain := proc.Chain(pid, 2)
	if len(chain) > 0 {
		p.Exe = chain[0].Exe
	}
	if len(chain) > 1 {
		p.PPID, p.ParentExe = chain[1].PID, chain[1].Exe
	}
	return p
}
