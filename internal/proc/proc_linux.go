package proc

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// exeOf is /proc/PID/exe. A process that made itself non-dumpable hides it
// even from its own uid; its command name (comm, which it can set itself)
// is then shown in parentheses, so it never passes for a path.
func exeOf(pid int) string {
	var buf [unix.PathMax]byte
	if n, err := unix.Readlink(procPath(pid, "exe"), buf[:]); err == nil && n < len(buf) {
		return strings.TrimSuffix(string(buf[:n]), " (deleted)")
	}
	if comm := readProc(procPath(pid, "comm")); comm != nil {
		return "(" + strings.TrimSpace(string(comm)) + ")"
	}
	return Unknown
}

// statOf reads the ppid and the start time (field 22, in clock ticks since
// boot) from /proc/PID/stat. A pid and its start time name one process: a
// pid is reused only after its process has gone.
func statOf(pid int) (ppid int, start uint64) {
	return parseStat(readProc(procPath(pid, "stat")))
}

// parseStat finds the ppid and the start time in a stat line, after the
// command name, which may itself contain spaces and parentheses. It
// allocates nothing: every new connection's peer is read with it.
func parseStat(data []byte) (ppid int, start uint64) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0
	}
	// Fields from the state (3) on, one space apart; the ppid is field 4,
	// the start time 22.
	rest := data[i+1:]
	for n := 0; n <= 19; n++ {
		rest = bytes.TrimLeft(rest, " ")
		end := bytes.IndexAny(rest, " \n")
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			return ppid, 0
		}
		switch n {
		case 1:
			v, ok := decimal(rest[:end])
			if !ok {
				return 0, 0
			}
			ppid = int(v)
		case 19:
			start, _ = decimal(rest[:end])
			return ppid, start
		}
		rest = rest[end:]
	}
	return ppid, 0
}

// decimal parses an unsigned decimal number of at most 18 digits, which
// cannot overflow.
func decimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// identOf reads /proc/PID/exe and /proc/PID/cmdline (NUL-separated, as
// the kernel gives it).
func identOf(pid int) Ident {
	return Ident{exe: exeOf(pid), cmdline: string(readProc(procPath(pid, "cmdline")))}
}

func procPath(pid int, file string) string { return "/proc/" + strconv.Itoa(pid) + "/" + file }

// readProc reads a /proc file with plain system calls, nil when it cannot:
// spind reads three of them per process of every caller's chain, and
// os.ReadFile costs about three times as much here (it offers each file to
// the poller, stats it for a size procfs does not report, and needs a read
// that returns 0). A read that returns less than asked is the end:
// procfs's stat and comm (one seq_file record) and cmdline (read page by
// page until the count is met) give everything they have to one read.
func readProc(path string) []byte {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EINTR) {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 1024)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, cap(buf))...)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil
		}
		buf = buf[:len(buf)+n]
		if len(buf) < cap(buf) {
			return buf
		}
	}
}

// openProcDir opens /proc/PID for Watch, -1 when it cannot. Lookups in it
// fail once the process has gone, even if its pid is reused.
func openProcDir(pid int) int {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// exeAt is the exe link of an open /proc/PID directory, "" when it cannot
// be read (the process has gone).
func exeAt(dir int) string {
	var buf [unix.PathMax]byte
	if n, err := unix.Readlinkat(dir, "exe", buf[:]); err == nil && n < len(buf) {
		return strings.TrimSuffix(string(buf[:n]), " (deleted)")
	}
	return ""
}

// openCmdline opens /proc/PID/cmdline for Watch, -1 when it cannot.
func openCmdline(pid int) int {
	fd, err := unix.Open(procPath(pid, "cmdline"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// sameCmdline reads the open command line again (the kernel reads it from
// the process's memory at each read, after an exec too; a process that has
// gone is an error) and compares it with want. One read is all of it
// (readProc), and one byte more than want is a difference.
func sameCmdline(fd int, want string) bool {
	var small [512]byte
	buf := small[:]
	if len(want) >= len(small) {
		buf = make([]byte, len(want)+1)
	}
	n, err := unix.Pread(fd, buf[:len(want)+1], 0)
	return err == nil && n == len(want) && string(buf[:n]) == want
}

func closeCmdline(fd int) { unix.Close(fd) }

// procFiles is an ancestor's command line kept open for Cache: one file
// per ancestor. The file stays the process's: once it has gone (or is a
// zombie, whose memory is gone) it reads nothing, so a pid reused by
// another process is never taken for it. Its stat is read by path when
// needed, and counts only when the open command line still reads after
// it: the pid was the same process's all along.
type procFiles struct {
	pid, cmdlineFD int
	ok             bool
}

func openProcFiles(pid int) procFiles {
	fd := openCmdline(pid)
	if fd < 0 {
		return procFiles{}
	}
	return procFiles{pid: pid, cmdlineFD: fd, ok: true}
}

func (f procFiles) valid() bool { return f.ok }

// stat reads the process's ppid and start time: 0, 0 once it has gone.
func (f procFiles) stat() (ppid int, start uint64) {
	ppid, start = statOf(f.pid)
	if f.gone() {
		return 0, 0
	}
	return ppid, start
}

// gone reports whether the process has gone: its open command line, which
// no process runs without, reads nothing.
func (f procFiles) gone() bool {
	if !f.ok {
		return true
	}
	var b [1]byte
	n, err := unix.Pread(f.cmdlineFD, b[:], 0)
	return err != nil || n != 1
}

// cmdline reads the whole open command line.
func (f procFiles) cmdline() string { return readCmdline(f.cmdlineFD) }

// readCmdline reads an open command line whole ("" once the process has
// gone), page by page as the kernel gives it.
func readCmdline(fd int) string {
	buf := make([]byte, 0, 1024)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, cap(buf))...)[:len(buf)]
		}
		n, err := unix.Pread(fd, buf[len(buf):cap(buf)], int64(len(buf)))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n <= 0 {
			return string(buf)
		}
		buf = buf[:len(buf)+n]
		if len(buf) < cap(buf) {
			return string(buf)
		}
	}
}

// sameCmdline reports whether the open command line still reads want.
func (f procFiles) sameCmdline(want string) bool { return sameCmdline(f.cmdlineFD, want) }

func (f procFiles) close() {
	if f.ok {
		unix.Close(f.cmdlineFD)
	}
}
