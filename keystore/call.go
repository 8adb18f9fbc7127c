package keystore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/keyring"
)

// call runs fn against the store's keyring under the store's timeout.
func call[T any](ctx context.Context, s *Store, what string, fn func(keyring.Keyring) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return runBounded(ctx, s.sem, what+" ("+s.backend+")", func() (T, error) {
		kr, err := s.ring()
		if err != nil {
			var zero T
			return zero, err
		}
		return fn(kr)
	})
}

type result[T any] struct {
	v   T
	err error
}

// runBounded runs fn in a goroutine and stops waiting when ctx ends. keyring
// has no contexts, and a D-Bus call to a Secret Service that waits for a
// prompt nobody can answer blocks forever; spind must answer its client
// with an error instead. The abandoned goroutine ends when fn returns. sem,
// if not nil, admits one fn at a time and is released only by fn's return.
func runBounded[T any](ctx context.Context, sem chan struct{}, what string, fn func() (T, error)) (T, error) {
	var zero T
	start := time.Now()
	if sem != nil {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return zero, ctxError(ctx, what, start, "an earlier keyring call is still running")
		}
	}
	done := make(chan result[T], 1)
	go func() {
		if sem != nil {
			defer func() { <-sem }()
		}
		v, err := fn()
		done <- result[T]{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctxError(ctx, what, start, "is the keyring daemon running and unlocked?")
	}
}

func ctxError(ctx context.Context, what string, start time.Time, hint string) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w within %v (%s): %w", what, ErrTimeout, time.Since(start).Round(time.Millisecond), hint, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
