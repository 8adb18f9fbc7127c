// Package keystore keeps spin's long-term AWS key sets (access key id,
// secret, optional MFA serial) in the OS keyring through 99designs/keyring,
// and chooses the keyring backend. Only the daemon spind imports it: keyring
// dials D-Bus at init in every process that links it, which the
// credential_process helper cannot afford.
//
// Every call runs with a timeout, because a Secret Service or KWallet call
// that waits on a locked keyring or a dead bus never returns by itself.
package keystore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/99designs/keyring"
)

// Config chooses and configures the keyring backend.
type Config struct {
	// Backend is auto, keychain, wincred, secret-service, kwallet, pass,
	// keyctl or file. Empty means auto.
	Backend string
	// FileDir is the file backend's directory; "~/" is expanded. Default
	// $XDG_DATA_HOME/spin/keyring or ~/.local/share/spin/keyring.
	FileDir string
	// Passphrase returns the file backend's passphrase, or an error
	// wrapping ErrLocked while spind has not been unlocked. It is asked on
	// every file-backend call so that a new passphrase takes effect at once.
	Passphrase func() (string, error)
	// ServiceName namespaces our items in backends that share a store
	// (Keychain service, pass prefix, keyctl keyring). Default "spin".
	ServiceName string
	// PassDir is the password store; default $PASSWORD_STORE_DIR or
	// ~/.password-store. gpg finds its home through GNUPGHOME as usual.
	PassDir string
	// KeyCtlScope is the kernel keyring that holds ours: user (default),
	// usersession, session, process or thread.
	KeyCtlScope string
	// Timeout bounds every keyring call. Default 10s.
	Timeout time.Duration
}

var (
	// ErrNotFound reports a key set that is not in the keyring.
	ErrNotFound = errors.New("key set not found")
	// ErrLocked reports a file keyring whose passphrase spind does not have
	// yet. Config.Passphrase returns it (wrapped or not).
	ErrLocked = errors.New("keyring is locked")
	// ErrBadPassphrase reports a file keyring item the passphrase does not
	// decrypt.
	ErrBadPassphrase = errors.New("wrong keyring passphrase (or a damaged keyring file)")
	// ErrTimeout reports a keyring call that did not return in time.
	ErrTimeout = errors.New("keyring did not answer")
)

const keyPrefix = "keyset:"

// Store is a typed view of one keyring backend. Its methods are safe for
// concurrent use; calls to the backend are serialised because none of
// keyring's backends promise to be.
type Store struct {
	backend string
	timeout time.Duration
	// ring returns the keyring for one call. The file backend is reopened
	// each time, because keyring caches the first passphrase it is given,
	// including a wrong one, for the life of the object.
	ring func() (keyring.Keyring, error)
	// sem holds one token while a backend call runs. A call that hangs
	// past its timeout keeps the token until it returns, so later calls
	// time out instead of piling onto a stuck D-Bus connection.
	sem chan struct{}
	// passphrase is Config.Passphrase, for the file backend only.
	passphrase func() (string, error)
}

// Open chooses and opens the backend cfg names. auto takes the first
// desktop keyring that opens, and never keyctl or file.
func Open(cfg Config) (*Store, error) {
	if cfg.ServiceName == "" {
		cfg.ServiceName = "spin"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.KeyCtlScope == "" {
		cfg.KeyCtlScope = "user"
	}
	if cfg.Backend == "" {
		cfg.Backend = BackendAuto
	}
	switch cfg.Backend {
	case BackendAuto:
		open := func(b string) (keyring.Keyring, error) { return openBackend(cfg, b) }
		kr, b, err := chooseAuto(runtime.GOOS, AvailableBackends(), open)
		if err != nil {
			return nil, err
		}
		return newStore(b, cfg.Timeout, func() (keyring.Keyring, error) { return kr, nil }), nil
	case BackendFile:
		if cfg.Passphrase == nil {
			return nil, errors.New("keyring backend file needs a passphrase source")
		}
		if cfg.FileDir == "" {
			cfg.FileDir = defaultFileDir()
		}
		dir, err := prepareFileDir(cfg.FileDir)
		if err != nil {
			return nil, err
		}
		cfg.FileDir = dir
		s := newStore(BackendFile, cfg.Timeout, func() (keyring.Keyring, error) { return openBackend(cfg, BackendFile) })
		s.passphrase = cfg.Passphrase
		return s, nil
	case BackendKeychain, BackendWinCred, BackendSecretService, BackendKWallet, BackendPass, BackendKeyCtl:
		kr, err := openBackend(cfg, cfg.Backend)
		if err != nil {
			return nil, err
		}
		return newStore(cfg.Backend, cfg.Timeout, func() (keyring.Keyring, error) { return kr, nil }), nil
	}
	return nil, fmt.Errorf("unknown keyring backend %q: use auto, keychain, wincred, secret-service, kwallet, pass, keyctl or file", cfg.Backend)
}

func newStore(backend string, timeout time.Duration, ring func() (keyring.Keyring, error)) *Store {
	return &Store{backend: backend, timeout: timeout, ring: ring, sem: make(chan struct{}, 1)}
}

// Backend names the concrete backend in use, never "auto".
func (s *Store) Backend() string { return s.backend }

// Put stores k, replacing any key set of the same name.
func (s *Store) Put(ctx context.Context, k KeySet) error {
	if err := k.Validate(); err != nil {
		return err
	}
	data, err := encode(k)
	if err != nil {
		return fmt.Errorf("key set %s: encoding: %w", k.Name, err)
	}
	_, err = call(ctx, s, "storing key set "+k.Name, func(kr keyring.Keyring) (struct{}, error) {
		defer clear(data)
		// An item written under a wrong passphrase could never be read
		// with the right one; check it against what is there first.
		if s.backend == BackendFile {
			if err := s.verifyPassphrase(kr); err != nil {
				return struct{}{}, err
			}
		}
		err := kr.Set(keyring.Item{
			Key:                       keyPrefix + k.Name,
			Label:                     "spin key set " + k.Name,
			Description:               "AWS access key for spin",
			Data:                      data,
			KeychainNotSynchronizable: true,
		})
		if err != nil {
			err = fmt.Errorf("storing key set %s in %s: %w", k.Name, s.backend, err)
		}
		return struct{}{}, err
	})
	return err
}

// Get returns the key set called name, or an error wrapping ErrNotFound.
func (s *Store) Get(ctx context.Context, name string) (KeySet, error) {
	if !ValidName(name) {
		return KeySet{}, fmt.Errorf("key set %q: %w", truncate(name, 70), ErrNotFound)
	}
	item, err := call(ctx, s, "reading key set "+name, func(kr keyring.Keyring) (keyring.Item, error) {
		return kr.Get(keyPrefix + name)
	})
	if err != nil {
		return KeySet{}, s.wrap(name, err)
	}
	defer clear(item.Data)
	return decode(name, item.Data)
}

// List returns the names of the stored key sets, sorted. Items that are not
// spin key sets are left out: the Secret Service login collection, a pass
// store or a file directory may hold others.
func (s *Store) List(ctx context.Context) ([]string, error) {
	keys, err := call(ctx, s, "listing key sets", func(kr keyring.Keyring) ([]string, error) {
		keys, err := kr.Keys()
		if err != nil || s.backend != BackendSecretService {
			return keys, err
		}
		var ours []string
		for _, key := range keys {
			ok, err := s.exists(kr, key)
			if err != nil {
				return nil, err
			}
			if ok {
				ours = append(ours, key)
			}
		}
		return ours, nil
	})
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, key := range keys {
		if name, ok := strings.CutPrefix(key, keyPrefix); ok && ValidName(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// Remove deletes the key set called name, or returns an error wrapping
// ErrNotFound.
func (s *Store) Remove(ctx context.Context, name string) error {
	if !ValidName(name) {
		return fmt.Errorf("key set %q: %w", truncate(name, 70), ErrNotFound)
	}
	_, err := call(ctx, s, "removing key set "+name, func(kr keyring.Keyring) (struct{}, error) {
		// Secret Service reports success for a missing item; look first so
		// that every backend answers the same.
		ok, err := s.exists(kr, keyPrefix+name)
		if err == nil && !ok {
			err = keyring.ErrKeyNotFound
		}
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, kr.Remove(keyPrefix + name)
	})
	return s.wrap(name, err)
}

// Check tells whether the keyring answers and, for the file backend,
// whether the passphrase opens what is stored (spind's unlock calls it).
func (s *Store) Check(ctx context.Context) error {
	_, err := call(ctx, s, "checking the keyring", func(kr keyring.Keyring) (struct{}, error) {
		if s.backend == BackendFile {
			return struct{}{}, s.verifyPassphrase(kr)
		}
		_, err := kr.Keys()
		return struct{}{}, err
	})
	return err
}

// exists reports whether the keyring holds key. Secret Service lists item
// labels, which any application may choose, so there only a lookup by our
// search attribute proves an item is ours.
func (s *Store) exists(kr keyring.Keyring, key string) (bool, error) {
	if !strings.HasPrefix(key, keyPrefix) {
		return false, nil
	}
	if s.backend != BackendSecretService {
		keys, err := kr.Keys()
		return slices.Contains(keys, key), err
	}
	item, err := kr.Get(key)
	clear(item.Data)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// wrap maps the backends' not-found errors onto ErrNotFound.
func (s *Store) wrap(name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrKeyNotFound), errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("key set %s: %w", name, ErrNotFound)
	case s.backend == BackendFile:
		return fmt.Errorf("key set %s: %w", name, fileError(err))
	}
	return fmt.Errorf("key set %s: %w", name, err)
}
