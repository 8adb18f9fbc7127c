package broker

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/proc"
	"github.com/cloudspin/spin/profiles"
)

// callerDepth bounds the parent chain read per request: the helper, a
// wrapper shell, the tool, what ran the tool, up to the user's shell.
const callerDepth = 8

// recentCallers is how many requests per profile `spin status --callers`
// shows.
const recentCallers = 10

// ownNames are spin's executables: they ask on behalf of their parent.
var ownNames = []string{"spin", "spin-credential-process", "spin.exe", "spin-credential-process.exe"}

// ownPrograms are the paths of spin's executables installed beside spind
// (the helper starts spind from its own directory, packages install them
// together): only those ask on behalf of their parent, so that a program
// named spin elsewhere cannot pass its parent off as the caller.
func ownPrograms() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	var out []string
	for _, n := range ownNames {
		out = append(out, filepath.Join(filepath.Dir(exe), n))
	}
	return out
}

// asker is who sent a request: the socket peer's chain and the program in
// it that wanted the credentials.
type asker struct {
	chain  []proc.Process
	caller proc.Process
}

// whoAsked reads the peer's process chain (once per connection); it must
// run while the peer waits for its answer, before the processes can go
// away. Ancestors' scripts come from b.procs.
func (b *Broker) whoAsked(ctx context.Context) asker {
	p, ok := ctx.Value(peerKey{}).(*peer)
	if !ok {
		return asker{caller: proc.Requester(nil, b.own...)}
	}
	return p.chain(func() (asker, proc.Ident) {
		chain, runs := b.procs.Chain(p.pid, callerDepth)
		return asker{chain: chain, caller: proc.Requester(chain, b.own...)}, runs
	})
}

// checkCaller enforces the profile's allowed_callers against the program
// that asked. A glob matches the whole executable path, or for a script
// (the AWS CLI v2 of Debian is one) the script's path.
func checkCaller(conf *profiles.Config, p profiles.Resolved, who asker) *api.Error {
	if len(p.AllowedCallers) == 0 {
		return nil
	}
	c := who.caller
	for _, g := range p.AllowedCallers {
		if ok, _ := filepath.Match(g, c.Exe); ok {
			return nil
		}
		if ok, _ := filepath.Match(g, c.Script); ok && c.Script != "" {
			return nil
		}
	}
	at := conf.Origin("profiles." + p.Name + ".allowed_callers")
	return errorf(api.CodeCallerNotAllowed,
		"add it to allowed_callers of profile "+p.Name+" in "+at+" if it should have them",
		"profile %s refused %s (pid %d): not in its allowed_callers [%s]",
		p.Name, c.Name(), c.PID, strings.Join(p.AllowedCallers, ", "))
}

// record writes one request to the audit log and the recent-callers list.
func (b *Broker) record(who asker, profile, sessionName string, sts bool, aerr *api.Error) {
	rec := audit.Record{Time: b.now().UTC(), Profile: profile, SessionName: sessionName, STS: sts,
		Outcome: audit.OK, Caller: who.caller, Chain: who.chain}
	if aerr != nil {
		rec.Outcome = aerr.Code
	}
	if l := b.cfg.Audit; l != nil {
		if err := l.Append(rec); err != nil {
			b.log.Warn("audit log: append failed", "err", err)
		}
	}
	b.callersMu.Lock()
	defer b.callersMu.Unlock()
	if b.callers == nil {
		b.callers = map[string]*callerRing{}
	}
	r := b.callers[profile]
	if r == nil {
		r = &callerRing{}
		b.callers[profile] = r
	}
	r.add(rec)
}

// callerRing is a profile's last recentCallers requests. A ring: once
// full, a request overwrites the oldest record in place, where a slice
// would shift the other nine on every request.
type callerRing struct {
	recs [recentCallers]audit.Record
	next int // where the next record goes
	n    int // records held, up to recentCallers
}

func (r *callerRing) add(rec audit.Record) {
	r.recs[r.next] = rec
	r.next = (r.next + 1) % recentCallers
	r.n = min(r.n+1, recentCallers)
}

// appendTo appends the records to out, oldest first.
func (r *callerRing) appendTo(out []audit.Record) []audit.Record {
	oldest := (r.next - r.n + recentCallers) % recentCallers
	for i := range r.n {
		out = append(out, r.recs[(oldest+i)%recentCallers])
	}
	return out
}

// recentCallers returns the last requests of every profile, oldest first.
func (b *Broker) recentCallers() []audit.Record {
	b.callersMu.Lock()
	defer b.callersMu.Unlock()
	var out []audit.Record
	for _, r := range b.callers {
		out = r.appendTo(out)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}
