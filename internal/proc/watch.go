package proc

// Watch tells whether a process still runs what it ran when its chain was
// read (see Same), for a connection that asks many times. Where it can
// (Linux) it keeps a file of the process open: a read of the open file
// costs a quarter of opening it afresh, and the file stays the process's,
// so a pid reused by another process reads as changed. That file is the
// command line, or for one of spin's own programs (an exeOnly Ident) the
// process's /proc directory, whose exe link is all that is read then.
type Watch struct {
	pid int
	id  Ident
	fd  int // the open command line or directory, -1 when none
}

// NewWatch watches pid, which ran id. Close it when done.
func NewWatch(pid int, id Ident) *Watch {
	if id.exeOnly {
		return &Watch{pid: pid, id: id, fd: openProcDir(pid)}
	}
	return &Watch{pid: pid, id: id, fd: openCmdline(pid)}
}

// Same reports whether the process still runs the same executable with
// the same command line (the same executable, for one of spin's own).
func (w *Watch) Same() bool {
	switch {
	case w.fd < 0:
		return Same(w.pid, w.id)
	case w.id.exeOnly:
		return exeAt(w.fd) == w.id.exe
	}
	return exeOf(w.pid) == w.id.exe && sameCmdline(w.fd, w.id.cmdline)
}

// Close closes the file kept open.
func (w *Watch) Close() {
	if w.fd >= 0 {
		closeCmdline(w.fd)
		w.fd = -1
	}
}
