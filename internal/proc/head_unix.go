//go:build unix

package proc

import (
	"bytes"
	"errors"

	"golang.org/x/sys/unix"
)

// firstLine reads a regular file into buf until a newline, the end of the
// file or a full buf, whichever comes first. A caller's argument can
// name anything: a FIFO (whose open would wait for a writer, holding the
// request forever), or a terminal no session holds (which spind, a session
// leader since its autostart's setsid, would take as its controlling
// terminal, and get its SIGHUP). So the open never blocks nor takes a
// terminal, and only a regular file is read.
func firstLine(path string, buf []byte) (int, bool) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	if err != nil {
		return 0, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0, false
	}
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || m <= 0 {
			break
		}
		n += m
		if bytes.IndexByte(buf[n-m:n], '\n') >= 0 {
			break
		}
	}
	return n, true
}
