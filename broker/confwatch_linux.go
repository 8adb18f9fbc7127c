package broker

import (
	"bytes"
	"errors"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

// confWatch is an inotify watch on config.yaml's directory (editors
// replace the file by renaming a new one over it, which a watch on the file
// itself would lose). The fd is non-blocking and read on each request
// rather than by a goroutine: a read that finds nothing costs less than a
// stat, and an edit that finished before a request is always seen by it.
type confWatch struct {
	fd   int
	name []byte
}

const confWatchMask = unix.IN_CLOSE_WRITE | unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_CREATE | unix.IN_DELETE |
	unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR

func watchConfig(path string) (*confWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if _, err := unix.InotifyAddWatch(fd, filepath.Dir(path), confWatchMask); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &confWatch{fd: fd, name: []byte(filepath.Base(path))}, nil
}

// changed drains the pending events and reports whether one was about the
// file; live is false once the watch is gone (directory removed or moved,
// queue overflow), and the caller should watch afresh.
func (w *confWatch) changed() (changed, live bool) {
	var buf [4096]byte
	live = true
	for {
		n, err := unix.Read(w.fd, buf[:])
		if err != nil || n <= 0 {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			// EAGAIN: nothing more queued.
			return changed, live && (err == nil || errors.Is(err, unix.EAGAIN))
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			off += unix.SizeofInotifyEvent + int(ev.Len)
			switch {
			case ev.Mask&(unix.IN_Q_OVERFLOW|unix.IN_IGNORED|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF) != 0:
				changed, live = true, false
			case bytes.Equal(bytes.TrimRight(name, "\x00"), w.name):
				changed = true
			}
		}
	}
}

func (w *confWatch) close() { unix.Close(w.fd) }
