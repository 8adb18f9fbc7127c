package proc

// Watch tells whether a process still runs what it ran when its chain was
// read (see Same), for a connection that asks many times. Where it can
// (Linux) it keeps the process's command line open: a read of the open
// file costs a quarter of opening it afresh, and the file stays the
// process's, so a pid reused by another process reads as changed.
type Watch struct {
	pid int
	id  Ident
	fd  int // the open command line, -1 when none
}

// NewWatch watches pid, which ran id. Close it when done.
func NewWatch(pid int, id Ident) *Watch {
	fd := openCmdline(pid)
	if id.exeOnly && fd >= 0 {
		// Its command line was not read for the chain; the open file's
		// first read sets it, and tells when the process goes.
		id = Ident{exe: id.exe, cmdline: readCmdline(fd)}
	}
	return &Watch{pid: pid, id: id, fd: fd}
}

// Same reports whether the process still runs the same executable with
// the same command line.
func (w *Watch) Same() bool {
	if w.fd < 0 {
		return Same(w.pid, w.id)
	}
	return exeOf(w.pid) == w.id.exe && sameCmdline(w.fd, w.id.cmdline)
}

// Close closes the command line.
func (w *Watch) Close() {
	if w.fd >= 0 {
		closeCmdline(w.fd)
		w.fd = -1
	}
}
