package broker

import (
	"context"
	"net"
	"net/http"
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
	// watch, from the connection's second request on, tells whether the
	// peer still runs runs; it holds a file open until the connection
	// closes (peerWatches).
	watch   *proc.Watch
	conn    net.Conn
	watches *peerWatches
}

// peerConn is an accepted connection with its peer's pid, as read for the
// uid check: connContext needs it too, and a helper's connection is one
// request, where a second getsockopt would be a tenth of spind's syscalls.
// It embeds the *net.UnixConn so that net/http still finds CloseWrite.
type peerConn struct {
	*net.UnixConn
	pid int
}

// connContext records the peer's pid (SO_PEERCRED) for the connection's
// requests; handlers that hand out something sensitive log who asked.
func (b *Broker) connContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*peerConn); ok {
		return context.WithValue(ctx, peerKey{}, &peer{pid: pc.pid, conn: c, watches: &b.watches})
	}
	if _, pid, err := peerCred(c); err == nil {
		return context.WithValue(ctx, peerKey{}, &peer{pid: pid, conn: c, watches: &b.watches})
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
// same program (executable and command line; for one of spin's own, the
// executable) is read again each time, so a peer that exec'd, even the
// same interpreter on another script, is read afresh. A connection's
// first request, the only one of a helper's, reads nothing more than the
// chain.
func (p *peer) chain(read func() (asker, proc.Ident)) asker {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.asked != nil {
		if p.watch == nil {
			p.watch = proc.NewWatch(p.pid, p.runs)
			p.watches.add(p)
		}
		if p.watch.Same() {
			return *p.asked
		}
		p.closeWatchLocked()
	}
	a, runs := read()
	p.asked, p.runs = &a, runs
	return a
}

func (p *peer) closeWatchLocked() {
	if p.watch != nil {
		p.watch.Close()
		p.watch = nil
	}
}

// peerWatches are the connections whose peer holds a Watch, to close it
// when the connection closes (http.Server's ConnState).
type peerWatches struct {
	mu sync.Mutex
	m  map[net.Conn]*peer
}

func (w *peerWatches) add(p *peer) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[net.Conn]*peer{}
	}
	w.m[p.conn] = p
}

// connState closes a closed connection's Watch.
func (w *peerWatches) connState(c net.Conn, st http.ConnState) {
	if st != http.StateClosed && st != http.StateHijacked {
		return
	}
	w.mu.Lock()
	p := w.m[c]
	delete(w.m, c)
	w.mu.Unlock()
	if p != nil {
		p.mu.Lock()
		p.closeWatchLocked()
		p.mu.Unlock()
	}
}

// closeAll closes every Watch left, when the server has stopped.
func (w *peerWatches) closeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c, p := range w.m {
		p.mu.Lock()
		p.closeWatchLocked()
		p.mu.Unlock()
		delete(w.m, c)
	}
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
