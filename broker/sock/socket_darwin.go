package sock

import "golang.org/x/sys/unix"

// socket makes the client's socket, close-on-exec: darwin has no
// SOCK_CLOEXEC, so by an fcntl after.
func socket() (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return fd, nil
}
