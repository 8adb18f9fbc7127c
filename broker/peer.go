package broker

import (
	"context"
	"net"
	"sync"

	"github.com/cloudspin/spin/internal/proc"
)

// peerKey carries the connection's peer in a request's context.
type peerKey struct{}

// peer is the process at the other end of one connection: its pid
// (SO_PEERCRED, fixed when it connected) and, once a request needed it,
// its chain of parents and what it ran then.
type peer struct {
	pid int

	mu    sync.Mutex
	asked *asker
	runs  proc.Ident
}

// connContext records the peer's pid (SO_PEERCRED) for the connection's
// requests; handlers that hand out something sensitive log who asked.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if _, pid, err := peerCred(c); err == nil {
		return context.WithValue(ctx, peerKey{}, &peer{pid: pid})
	}
	return ctx
}

// peerPID is the requesting process's pid, 0 when unknown (a test's
// handler without a socket, or a platform without peer credentials).
func peerPID(ctx context.Context) int {
	if p, ok := ctx.Value(peerKey{}).(*peer); ok {
		return p.pid
	}
	return 0
}

// chain reads the peer's chain once per connection: reading /proc for
// up to callerDepth processes costs more than the rest of a request, and
// a keep-alive client asks many times. Whether the peer still runs the
// same program (executable and command line) is read again each time, so
// a peer that exec'd, even the same interpreter on another script, is
// read afresh.
func (p *peer) chain(read func() (asker, proc.Ident)) asker {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.asked != nil && proc.Same(p.pid, p.runs) {
		return *p.asked
	}
	a, runs := read()
	p.asked, p.runs = &a, runs
	return a
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
