package keystore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/99designs/keyring"

	"github.com/cloudspin/spin/internal/secret"
)

// sourcePrefix names the items that hold a source's tokens (a login
// session's refresh token and DPoP key, say): one item per source, beside
// the key sets, never listed as one.
const sourcePrefix = "source:"

// PutSource stores the opaque secret state of source name, replacing any.
func (s *Store) PutSource(ctx context.Context, name string, data secret.String) error {
	if !ValidName(name) {
		return fmt.Errorf("source %q: invalid name", truncate(name, 70))
	}
	_, err := call(ctx, s, "storing the tokens of source "+name, func(kr keyring.Keyring) (struct{}, error) {
		if s.backend == BackendFile {
			if err := s.verifyPassphrase(kr); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, kr.Set(keyring.Item{
			Key:                       sourcePrefix + name,
			Label:                     "spin source " + name,
			Description:               "AWS sign-in tokens for spin",
			Data:                      []byte(data.Reveal()),
			KeychainNotSynchronizable: true,
		})
	})
	if err != nil {
		return fmt.Errorf("storing the tokens of source %s in %s: %w", name, s.backend, err)
	}
	return nil
}

// GetSource returns what PutSource stored, or an error wrapping ErrNotFound.
func (s *Store) GetSource(ctx context.Context, name string) (secret.String, error) {
	if !ValidName(name) {
		return secret.String{}, fmt.Errorf("source %q: %w", truncate(name, 70), ErrNotFound)
	}
	item, err := call(ctx, s, "reading the tokens of source "+name, func(kr keyring.Keyring) (keyring.Item, error) {
		return kr.Get(sourcePrefix + name)
	})
	if err != nil {
		return secret.String{}, sourceError(s, name, err)
	}
	defer clear(item.Data)
	return secret.New(string(item.Data)), nil
}

// RemoveSource forgets a source's tokens; a missing item is not an error.
func (s *Store) RemoveSource(ctx context.Context, name string) error {
	if !ValidName(name) {
		return nil
	}
	_, err := call(ctx, s, "removing the tokens of source "+name, func(kr keyring.Keyring) (struct{}, error) {
		err := kr.Remove(sourcePrefix + name)
		if errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return struct{}{}, err
	})
	if err != nil {
		return sourceError(s, name, err)
	}
	return nil
}

func sourceError(s *Store, name string, err error) error {
	switch {
	case errors.Is(err, keyring.ErrKeyNotFound), errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("source %s: %w", name, ErrNotFound)
	case s.backend == BackendFile:
		return fmt.Errorf("source %s: %w", name, fileError(err))
	}
	return fmt.Errorf("source %s: %w", name, err)
}
