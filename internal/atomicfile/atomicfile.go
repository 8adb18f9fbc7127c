// Package atomicfile is spin's one way to replace a file and to serialise
// the processes that do: WriteFile makes a reader (spind re-reading
// config.yaml, an SDK reading ~/.aws/config, a test polling for a file)
// see the old content or the new, never half, even across a crash; Lock
// and TryLock take an flock on a lock file that stays, so spind and spin,
// or many spins, never interleave their edits.
package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// WriteFile replaces path with data: a temp file in the same directory,
// fsync, rename, fsync the directory. perm is set explicitly, so a mode the
// user chose can be kept.
func WriteFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: the rename is done, only its durability is at stake
		d.Close()
	}
	return nil
}

// ErrLocked is TryLock finding the lock held by another process.
var ErrLocked = errors.New("locked by another process")

// Lock takes an exclusive flock on path, creating it (0600) if needed, and
// waits for it until ctx ends. Closing releases it, so unlock is safe to
// call once the holder is done and the lock also ends with the process.
// The lock file is never removed: a writer that opened the old inode and
// one that created a new one would then both hold "the" lock.
func Lock(ctx context.Context, path string) (unlock func(), err error) {
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		unlock, err := TryLock(path)
		if !errors.Is(err, ErrLocked) {
			return unlock, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// TryLock takes the lock on path if it is free, else fails with ErrLocked.
func TryLock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	held, err := tryLockFile(f)
	switch {
	case err == nil && held:
		return func() { f.Close() }, nil
	case err == nil:
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, ErrLocked)
	default:
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
}
