package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cloudspin/spin/internal/atomicfile"
)

// editFile is the read-edit-write behind spin's edits of config.yaml and
// the credentials file (UpdateAWSConfig adds a backup and a dry run to the
// same steps). It follows a symlinked path to its target, so dotfile
// managers keep their link; takes the sibling TARGET.spin.lock that spind
// and every spin share, so a write never loses another's; reads the file;
// and when edit returns other bytes replaces it atomically with its mode
// kept. With create, a missing file is edited from nothing and written
// 0600 in a 0700 directory; without, it is an error. edit gets the target
// for its messages and returns nil to leave the file as it is.
func editFile(ctx context.Context, path string, create bool, edit func(target string, old []byte) ([]byte, error)) (target string, written bool, err error) {
	target, err = resolveConfig(path)
	if err != nil {
		return path, false, err
	}
	if create {
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return target, false, err
		}
	}
	unlock, err := lockForWrite(ctx, target)
	if err != nil {
		return target, false, err
	}
	defer unlock()
	old, err := os.ReadFile(target)
	exists := err == nil
	if err != nil && (!create || !errors.Is(err, fs.ErrNotExist)) {
		return target, false, err
	}
	out, err := edit(target, old)
	if err != nil || out == nil || exists && bytes.Equal(out, old) {
		return target, false, err
	}
	mode := fs.FileMode(0o600)
	if exists {
		fi, err := os.Stat(target)
		if err != nil {
			return target, false, err
		}
		mode = fi.Mode().Perm()
		// Root passes any mode check; an immutable file fails even for root.
		if err := writable(target, false); err != nil {
			return target, false, fmt.Errorf("cannot write %s: %w", target, err)
		}
	}
	if err := atomicfile.WriteFile(target, out, mode); err != nil {
		return target, false, fmt.Errorf("cannot write %s: %w", target, err)
	}
	return target, true, nil
}
