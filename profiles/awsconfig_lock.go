package profiles

import (
	"context"
	"errors"
	"fmt"

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
