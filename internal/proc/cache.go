package proc

import (
	"path/filepath"
	"sync"
)

// Ident is what a process runs: the executable the kernel reports and the
// command line. Two reads of one pid with equal Idents are the same
// program with the same arguments, so what Chain derives from them (the
// script, whether it is a wrapper) is the same.
type Ident struct {
	exe, cmdline string
}

// IdentOf reads what pid runs now.
func IdentOf(pid int) Ident { return identOf(pid) }

// Exe is the executable of the Ident.
func (id Ident) Exe() string { return id.exe }

// DefaultCacheSize is the ancestors a Cache keeps: a few hundred shells,
// editors and tools that start helpers, far more than one user runs at
// once.
const DefaultCacheSize = 256

// Cache keeps what Chain derived about ancestors that run a script, for
// the next chain through them: every helper is a new process, but its
// parents (the AWS CLI, a shell script, terraform) ask again and again,
// and finding a script costs a resolved executable path and opening the
// script to read its #! line.
//
// An entry is keyed by pid and start time (exec keeps both) and is used
// only while the process runs the same Ident. The executable alone would
// not do: exec'ing the same interpreter on another script keeps pid, start
// time and executable, and only the command line tells; a process can
// also rewrite its arguments in memory without exec'ing, and the kernel
// has no exec count to tell either cheaply. So the command line is read
// afresh for every process of every chain (one read, as the executable
// and the stat are), and what is cached is only what is derived from
// them. The peer itself is never looked up: it is read in full. A nil
// *Cache caches nothing.
//
// Safe for concurrent use; the files are read outside the lock.
type Cache struct {
	size int

	mu      sync.Mutex
	entries map[int]*cacheEntry
	tick    uint64 // a use counter, for least-recently-used eviction
	misses  int    // derivations through the cache, for tests
}

type cacheEntry struct {
	start   uint64
	id      Ident
	script  string
	wrapper bool
	used    uint64
}

// NewCache returns a Cache of at most size entries (DefaultCacheSize when
// size <= 0).
func NewCache(size int) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &Cache{size: size, entries: map[int]*cacheEntry{}}
}

// Same reports whether pid still runs id: the same executable with the
// same command line.
func Same(pid int, id Ident) bool { return identOf(pid) == id }

// derive is the package's derive, through the cache for an ancestor
// whose start time is known. Only what needs the file system is kept (an
// argument that is an absolute path, which may be a script): a `sh -c`
// wrapper, a new one each time, would only push useful entries out.
func (c *Cache) derive(ancestor bool, pid int, start uint64, id Ident) (script string, wrapper bool) {
	if c == nil || !ancestor || start == 0 || !mayRunScript(id) {
		return derive(id)
	}
	c.mu.Lock()
	c.tick++
	if e := c.entries[pid]; e != nil && e.start == start && e.id == id {
		e.used = c.tick
		c.mu.Unlock()
		return e.script, e.wrapper
	}
	c.misses++
	c.mu.Unlock()

	script, wrapper = derive(id)

	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[pid]; !ok && len(c.entries) >= c.size {
		c.evictLocked()
	}
	c.tick++
	c.entries[pid] = &cacheEntry{start: start, id: id, script: script, wrapper: wrapper, used: c.tick}
	return script, wrapper
}

// evictLocked drops the least recently used entry. A scan is enough: it
// runs only when a new ancestor arrives at a full cache.
func (c *Cache) evictLocked() {
	victim, oldest := 0, ^uint64(0)
	for pid, e := range c.entries {
		if e.used < oldest {
			victim, oldest = pid, e.used
		}
	}
	delete(c.entries, victim)
}

// mayRunScript reports whether deriving id's script reads files: only
// when its first or second argument is an absolute path (scriptOf).
func mayRunScript(id Ident) bool {
	args := splitArgs(id.cmdline)
	if IsShell(id.exe) && isWrapper(args) {
		return false
	}
	for i := 1; i <= 2 && i < len(args); i++ {
		if filepath.IsAbs(args[i]) {
			return true
		}
	}
	return false
}
