package broker

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/proc"
)

// A keep-alive connection's chain is read at its first request only,
// unless the peer now runs another program (it exec'd).
func TestPeerChainReadOncePerConnection(t *testing.T) {
	p := &peer{pid: os.Getpid()}
	reads := 0
	read := func() (asker, proc.Ident) {
		reads++
		chain, runs := proc.NewCache(0).Chain(p.pid, callerDepth)
		return asker{chain: chain, caller: proc.Requester(chain)}, runs
	}
	first := p.chain(read)
	if len(first.chain) == 0 || first.chain[0].Exe != proc.Exe(os.Getpid()) {
		t.Fatalf("chain %+v does not start at this process", first.chain)
	}
	if again := p.chain(read); reads != 1 || again.caller != first.caller {
		t.Errorf("second request: %d reads, caller %+v; want 1 read, %+v", reads, again.caller, first.caller)
	}
	t.Cleanup(func() { p.closeWatchLocked() })
	// As if the chain had been read before an exec: the Watch of the
	// next request compares with this.
	p.closeWatchLocked()
	p.runs = proc.IdentOf(os.Getppid())
	if again := p.chain(read); reads != 2 || again.chain[0].Exe != first.chain[0].Exe {
		t.Errorf("after an exec: %d reads, chain starts at %s; want 2 reads, %s", reads, again.chain[0].Exe, first.chain[0].Exe)
	}
}

// askTwice is a perl client of spind's socket: it asks for a profile's
// credentials over its connection and prints the status, or the error's
// code; the first
// script then keeps the connection across an exec of the same
// interpreter on the second script, which asks again on it.
const askTwice = `use strict; use Socket; use Fcntl; $| = 1;
sub ask {
	my $s = shift;
	syswrite($s, "GET /v1/credentials/mine HTTP/1.1\r\nHost: spind\r\n\r\n") or die "write: $!";
	my $buf = "";
	while ($buf !~ /\r\n\r\n/) { sysread($s, $buf, 4096, length $buf) or die "eof" }
	my ($head, $body) = split /\r\n\r\n/, $buf, 2;
	my ($len) = $head =~ /Content-Length: (\d+)/i;
	while (length($body) < $len) { sysread($s, $body, 4096, length $body) or die "eof" }
	my ($code) = $head =~ m{^HTTP/1\.1 (\d+)};
	my ($err) = $body =~ /"error":"([^"]+)"/;
	print $err // $code, "\n";
}
`

// A keep-alive peer that exec's the same interpreter on another script
// keeps its pid and executable: the second request is the second
// script's, which allowed_callers refuses, not the first's.
func TestPeerExecOfSameInterpreterOnKeepAlive(t *testing.T) {
	perl, err := filepath.EvalSymlinks("/usr/bin/perl")
	if err != nil {
		t.Skip("no perl: ", err)
	}
	dir := shortDir(t)
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	scripts := map[string]string{
		first: "#!" + perl + "\n" + askTwice + `socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
connect($s, pack_sockaddr_un($ARGV[0])) or die "connect: $!";
ask($s);
fcntl($s, F_SETFD, 0) or die "fcntl: $!";
exec("` + perl + `", "` + second + `", fileno($s)) or die "exec: $!";
`,
		second: "#!" + perl + "\n" + askTwice + `open(my $s, "+<&=", $ARGV[0]) or die "fd: $!";
ask($s);
`,
	}
	for path, text := range scripts {
		if err := os.WriteFile(path, []byte(text), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	f := newFixture(t, basicConfig+`  mine:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
    allowed_callers: [`+first+`]
`, time.Now)
	c := serveSocket(t, f)
	out, err := exec.Command(first, c.Socket()).CombinedOutput()
	if got := strings.Fields(string(out)); err != nil || len(got) != 2 || got[0] != "200" || got[1] != api.CodeCallerNotAllowed {
		t.Errorf("answers %q (%v), want 200 for %s, then %s for %s on the same connection", out, err, first, api.CodeCallerNotAllowed, second)
	}
}

// A keep-alive connection's Watch holds a file open: it is closed with
// the connection.
func TestPeerWatchClosedWithConnection(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	c := serveSocket(t, f)
	for range 2 {
		if _, err := c.Credentials(t.Context(), "p", ""); err != nil {
			t.Fatal(err)
		}
	}
	watched := func() int {
		f.b.watches.mu.Lock()
		defer f.b.watches.mu.Unlock()
		return len(f.b.watches.m)
	}
	if n := watched(); n != 1 {
		t.Fatalf("%d connections watched after a keep-alive request, want 1", n)
	}
	c.Close()
	for deadline := time.Now().Add(5 * time.Second); watched() != 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := watched(); n != 0 {
		t.Errorf("%d connections still watched after the client closed", n)
	}
}
