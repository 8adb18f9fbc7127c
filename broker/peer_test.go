package broker

import (
	"os"
	"testing"

	"github.com/cloudspin/spin/internal/proc"
)

// A keep-alive connection's chain is read at its first request only,
// unless the peer now runs another executable (it exec'd).
func TestPeerChainReadOncePerConnection(t *testing.T) {
	p := &peer{pid: os.Getpid()}
	reads := 0
	read := func() asker {
		reads++
		chain := proc.Chain(p.pid, callerDepth)
		return asker{chain: chain, caller: proc.Requester(chain)}
	}
	first := p.chain(read)
	if len(first.chain) == 0 || first.chain[0].Exe != proc.Exe(os.Getpid()) {
		t.Fatalf("chain %+v does not start at this process", first.chain)
	}
	if again := p.chain(read); reads != 1 || again.caller != first.caller {
		t.Errorf("second request: %d reads, caller %+v; want 1 read, %+v", reads, again.caller, first.caller)
	}
	self := first.chain[0].Exe
	p.asked.chain[0].Exe = "/usr/bin/other" // as if cached before an exec
	if again := p.chain(read); reads != 2 || again.chain[0].Exe != self {
		t.Errorf("after an exec: %d reads, chain starts at %s; want 2 reads, %s", reads, again.chain[0].Exe, self)
	}
}
