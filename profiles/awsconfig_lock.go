package profiles

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/cloudspin/spin/internal/atomicfile"
)

// lockFile takes the exclusive lock on path that serialises spin's
// writers of one file; ctx bounds the wait.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	unlock, err = atomicfile.Lock(ctx, path)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("another spin is editing the file: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot lock: %w", err)
	}
	return unlock, nil
}

// writable asks the kernel whether we may write path: root passes any mode
// check, but not an immutable file (chattr +i) or a read-only mount.
func writable(path string, dir bool) error {
	mode := uint32(unix.W_OK)
	if dir {
		mode |= unix.X_OK
	}
	return unix.Access(path, mode)
}
