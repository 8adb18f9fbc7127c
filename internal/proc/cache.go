package proc

import (
	"slices"
	"sync"
)

// Ident is what a process runs: the executable the kernel reports and the
// command line. Two reads of one pid with equal Idents are the same
// program with the same arguments, so what Chain derives from them (the
// script, whether it is a wrapper) is the same. For one of spin's own
// programs the executable alone says it (exeOnly): they run no scripts and
// ask for their parents whatever their arguments.
type Ident struct {
	exe, cmdline string
	exeOnly      bool
}

// IdentOf reads what pid runs now.
func IdentOf(pid int) Ident { return identOf(pid) }

// Exe is the executable of the Ident.
func (id Ident) Exe() string { return id.exe }

// DefaultCacheSize is the ancestors a Cache keeps: the shells, editors,
// tools and SDK processes that start helpers, more than one user runs at
// once. On Linux each keeps one file open.
const DefaultCacheSize = 32

// Cache keeps the ancestors of earlier chains, for the next chain through
// them: every helper is a new process, but its parents (the AWS CLI, a
// shell script, terraform) ask again and again, and reading a process
// afresh costs three /proc files and, for a script, its #! line.
//
// An entry is one process, pinned by its open command line (exec keeps it
// and the pid), and is used only while that process runs the same Ident.
// The executable alone would not do: exec'ing the same interpreter on
// another script keeps pid, start time and executable, and only the
// command line tells; a process can also rewrite its arguments in memory
// without exec'ing, and the kernel has no exec count to tell either
// cheaply. So every process of every chain has its executable and command
// line read again. What is cached is what is derived from them, the ppid,
// and, on Linux, the process's command line kept open: a read of an open
// file costs a third of opening it, and the file stays that process's, so
// a pid reused by another process reads as gone rather than as the old
// one. The ppid is read again only when the parent's entry no longer reads
// as the process it was (a process is re-parented only when its parent
// goes). The peer itself is never looked up: it is read in full. A nil
// *Cache caches nothing.
//
// Safe for concurrent use; the files are read outside the lock.
type Cache struct {
	size int
	own  []string // spin's own programs, whose peers' command lines are not read

	mu      sync.Mutex
	entries map[int]*cacheEntry
	tick    uint64 // a use counter, for least-recently-used eviction
	misses  int    // ancestors read afresh, for tests
	ppids   int    // cached ancestors' ppids read again, for tests
	closed  bool
}

type cacheEntry struct {
	serial  uint64 // unique per entry, for parent links
	start   uint64
	id      Ident
	script  string
	wrapper bool
	used    uint64
	files   procFiles // kept open where the platform can (valid)
	readers int       // reading files now
	dropped bool      // out of the map: files close once readers is 0

	// The ppid as last read, and the serial of the parent's entry once a
	// chain went on from this one to it. While that entry is in the cache
	// and reads as the same process, the ppid holds: a process is
	// re-parented only when its parent goes, and the parent's files stay
	// that process's.
	ppid   int
	parent uint64
}

// NewCache returns a Cache of at most size entries (DefaultCacheSize when
// size <= 0). A peer running one of own (full paths of spin's programs,
// as Requester takes them) is read by its executable alone. Close it when
// done.
func NewCache(size int, own ...string) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &Cache{size: size, own: own, entries: map[int]*cacheEntry{}}
}

// peer reads the socket's peer in full: a helper is a new process each
// time, so it is never looked up. One of spin's own programs is known by
// its executable: its command line would say nothing Requester uses.
func (c *Cache) peer(pid int) (p Process, ppid int, id Ident) {
	ppid, _ = statOf(pid)
	if exe := exeOf(pid); c != nil && slices.Contains(c.own, exe) {
		return Process{PID: pid, Exe: exe}, ppid, Ident{exe: exe, exeOnly: true}
	}
	id = identOf(pid)
	p = Process{PID: pid, Exe: id.exe}
	p.Script, p.Wrapper = derive(id)
	return p, ppid, id
}

// Same reports whether pid still runs id: the same executable with the
// same command line (only the executable for one of spin's programs).
func Same(pid int, id Ident) bool {
	if id.exeOnly {
		return exeOf(pid) == id.exe
	}
	return identOf(pid) == id
}

// ancestor returns pid's entry if it is the same process running the same
// Ident, checked through its open files, with a reader counted (release
// it). The executable is read by path and then the command line from the
// process's own file: should the process go and its pid be reused between
// them, the executable could be the newcomer's, but the command line then
// fails.
func (c *Cache) ancestor(pid int) *cacheEntry {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	e := c.entries[pid]
	if e == nil || !e.files.valid() {
		c.mu.Unlock()
		return nil
	}
	e.readers++
	c.mu.Unlock()

	ok := exeOf(pid) == e.id.exe && e.files.sameCmdline(e.id.cmdline)

	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok {
		e.readers--
		c.dropLocked(pid, e)
		return nil
	}
	c.tick++
	e.used = c.tick
	return e
}

// release ends a reader of e; a dropped entry closes its files with its
// last reader.
func (c *Cache) release(e *cacheEntry) {
	if e == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e.readers--
	if e.dropped && e.readers == 0 {
		e.files.close()
		e.files = procFiles{}
	}
}

// process is e as a chain shows it.
func (e *cacheEntry) process(pid int) Process {
	return Process{PID: pid, Exe: e.id.exe, Script: e.script, Wrapper: e.wrapper}
}

// cachedParent is e's ppid as last read, and whether a chain went on from
// e to the parent's entry parent, which then still holds it.
func (c *Cache) cachedParent(e, parent *cacheEntry) (ppid int, linked bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.ppid, parent != nil && e.parent == parent.serial
}

// readParent reads e's ppid afresh through its open stat (0 once e has
// gone) and keeps it.
func (c *Cache) readParent(e *cacheEntry) int {
	ppid, _ := e.files.stat()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ppids++
	if ppid != e.ppid {
		e.ppid, e.parent = ppid, 0
	}
	return ppid
}

// link records that e's parent is the process of entry parent (nil: not
// cached). A parent cannot have started after its child: such an entry is
// a process that took the pid of e's parent between the read of e's ppid
// and the lookup, and is not linked, so the ppid is read again next time.
func (c *Cache) link(e, parent *cacheEntry) {
	if e == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e.parent = 0
	if parent != nil && parent.start <= e.start {
		e.parent = parent.serial
	}
}

// readAncestor reads an ancestor afresh, keeping its files open for the
// cache where it can, and files it; the entry it returns (nil when not
// kept) has a reader counted. A `sh -c` wrapper, a new one for each
// helper, is not kept: it would only push useful entries out.
func (c *Cache) readAncestor(pid int) (p Process, ppid int, e *cacheEntry) {
	var files procFiles
	if c != nil {
		files = openProcFiles(pid)
	}
	// Stat and executable by path, then the command line: from the open
	// file, if it reads, the pid was this process's throughout.
	ppid, start := statOf(pid)
	var id Ident
	if files.valid() {
		id = Ident{exe: exeOf(pid), cmdline: files.cmdline()}
	} else {
		id = identOf(pid)
	}
	p = Process{PID: pid, Exe: id.exe}
	p.Script, p.Wrapper = derive(id)
	if files.valid() && start != 0 && !p.Wrapper && id.cmdline != "" {
		e = &cacheEntry{start: start, id: id, script: p.Script, files: files, ppid: ppid, readers: 1}
		if c.add(pid, e) {
			return p, ppid, e
		}
	}
	files.close()
	return p, ppid, nil
}

// add files e under pid unless the cache is closed, dropping the least
// recently used entry when full. A scan is enough: it runs only when a
// new ancestor arrives.
func (c *Cache) add(pid int, e *cacheEntry) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.misses++
	if c.closed {
		return false
	}
	if old := c.entries[pid]; old != nil {
		c.dropLocked(pid, old)
	}
	// A full cache first drops the processes that went, with their files
	// (no chain passes through them again), at a read each; a loop of
	// short-lived tools fills it with such entries, and one sweep then
	// makes room for as many new ones. Else the least recently used goes.
	if len(c.entries) >= c.size {
		for pid, e := range c.entries {
			if e.readers == 0 && e.files.gone() {
				c.dropLocked(pid, e)
			}
		}
	}
	if len(c.entries) >= c.size {
		victim, oldest := 0, ^uint64(0)
		for pid, e := range c.entries {
			if e.used < oldest {
				victim, oldest = pid, e.used
			}
		}
		c.dropLocked(victim, c.entries[victim])
	}
	c.tick++
	e.used, e.serial = c.tick, c.tick
	c.entries[pid] = e
	return true
}

// dropLocked takes e out of the map; its files close now or when its last
// reader is done.
func (c *Cache) dropLocked(pid int, e *cacheEntry) {
	if c.entries[pid] == e {
		delete(c.entries, pid)
	}
	e.dropped = true
	if e.readers == 0 {
		e.files.close()
		e.files = procFiles{}
	}
}

// Close drops every entry and closes their files; the cache then keeps
// nothing more.
func (c *Cache) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for pid, e := range c.entries {
		c.dropLocked(pid, e)
	}
}
