package keystore

// The file backend's own rules: a private directory, and a passphrase that
// must be checked before it is used to write.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/99designs/keyring"
)

// prepareFileDir creates the file backend's directory 0700 and refuses one
// that others can enter: the items are encrypted, but their names and
// count should not be public either.
func prepareFileDir(dir string) (string, error) {
	dir, err := keyring.ExpandTilde(dir)
	if err != nil {
		return "", fmt.Errorf("keyring file_dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("keyring file_dir: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("keyring file_dir: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("keyring file_dir %s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("keyring file_dir %s is open to other users (mode %04o): run `chmod 700 %s`", dir, fi.Mode().Perm(), dir)
	}
	return dir, nil
}

// defaultFileDir follows the XDG base directory spec, as config.yaml does.
func defaultFileDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "spin", "keyring")
	}
	return filepath.Join("~", ".local", "share", "spin", "keyring")
}

// verifyPassphrase decrypts one stored key set, if there is one.
func (s *Store) verifyPassphrase(kr keyring.Keyring) error {
	keys, err := kr.Keys()
	if err != nil {
		return err
	}
	for _, key := range keys {
		if strings.HasPrefix(key, keyPrefix) {
			item, err := kr.Get(key)
			clear(item.Data)
			return fileError(err)
		}
	}
	// Nothing stored yet: any passphrase is the right one, but a locked
	// store must still say so (keyring asks only when it decrypts).
	_, err = s.passphrase()
	return err
}

// fileError names the file backend's failures. jose2go reports a wrong
// passphrase as a failed AES key-unwrap integrity check, without a type.
func fileError(err error) error {
	var pe *fs.PathError
	switch {
	case err == nil, errors.Is(err, ErrLocked), errors.Is(err, ErrTimeout),
		errors.Is(err, keyring.ErrKeyNotFound), errors.As(err, &pe):
		return err
	case strings.Contains(err.Error(), "integrity check failed"):
		return ErrBadPassphrase
	}
	return err
}
