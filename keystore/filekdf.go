package keystore

// Argon2id in front of the file backend. 99designs/keyring derives the
// items' key from the string it is given with PBKDF2-SHA256 and 8192
// iterations: cheap to guess at offline from a copied directory. So spind
// never gives it the passphrase: it gives it Argon2id(passphrase, salt),
// whose parameters and salt live beside the items in .spin-kdf.json.
// Keyrings written before that are migrated on their first unlock.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/99designs/keyring"
	"golang.org/x/crypto/argon2"

	"github.com/cloudspin/spin/internal/passphrase"
	"github.com/cloudspin/spin/internal/secret"
)

const (
	// kdfFileName holds the KDF parameters and salt. Its name starts with
	// ".spin-" like every file of ours in the directory, which marks it as
	// not an item.
	kdfFileName = ".spin-kdf.json"
	// migrationDirName holds copies of the items as they were before a
	// migration, until the migration is committed.
	migrationDirName = ".spin-migration"
	// backupComplete marks a migration backup that holds every item.
	backupComplete = "COMPLETE"
	ourPrefix      = ".spin-"
	kdfArgon2id    = "argon2id"
	checkLabel     = "spin file keyring check v1"
)

// ErrWeakPassphrase reports a new keyring passphrase below the floor
// (internal/passphrase).
var ErrWeakPassphrase = errors.New("passphrase too weak")

// KDFParams are Argon2id's cost parameters.
type KDFParams struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
}

// DefaultKDF is what new keyrings get: 64 MiB, 4 passes, one lane. One
// lane makes the user's wait the whole cost, whatever the core count: at
// least 0.25 s on the 2-core machines spin is tested on
// (BenchmarkDeriveFileKey, docs/benchmarks.md); each guess at a copied
// keyring costs an attacker the same work and 64 MiB.
var DefaultKDF = KDFParams{Time: 4, MemoryKiB: 64 << 10, Threads: 1}

// kdfFile is .spin-kdf.json.
type kdfFile struct {
	Version int    `json:"version"`
	KDF     string `json:"kdf"`
	KDFParams
	Salt []byte `json:"salt"`
	// Check is HMAC-SHA256(key, checkLabel): a wrong passphrase is told at
	// unlock, even while the keyring holds no item.
	Check []byte `json:"check"`
}

func (f kdfFile) validate() error {
	switch {
	case f.Version != 1 || f.KDF != kdfArgon2id:
		return fmt.Errorf("unknown key derivation %q version %d (written by a newer spin?)", f.KDF, f.Version)
	case f.Time < 1 || f.Time > 64, f.MemoryKiB < 8<<10 || f.MemoryKiB > 4<<20, f.Threads < 1:
		return fmt.Errorf("argon2id parameters out of range (time %d, memory %d KiB, threads %d)", f.Time, f.MemoryKiB, f.Threads)
	case len(f.Salt) < 16 || len(f.Check) != sha256.Size:
		return errors.New("salt or check value missing")
	}
	return nil
}

// derive runs Argon2id and returns the string the backend gets: the key,
// base64-encoded, since keyring takes a string.
func (f kdfFile) derive(pass secret.String) (secret.String, []byte) {
	key := argon2.IDKey([]byte(pass.Reveal()), f.Salt, f.Time, f.MemoryKiB, f.Threads, 32)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(checkLabel))
	check := mac.Sum(nil)
	enc := secret.New(base64.RawStdEncoding.EncodeToString(key))
	clear(key)
	// Argon2id's 64 MiB work area is garbage now, but the runtime would
	// keep it resident for minutes: spind is long-lived and small, so give
	// it back at once.
	debug.FreeOSMemory()
	return enc, check
}

// FileKDF unlocks file keyrings with Argon2id. The zero value uses
// DefaultKDF for new keyrings.
type FileKDF struct {
	// Params are used for new and migrated keyrings; existing ones keep
	// the parameters stored with them.
	Params KDFParams
	// afterRewrite, in tests, runs after each item a migration rewrote;
	// an error stops the migration there, as a crash would.
	afterRewrite func(n int) error
}

func (k FileKDF) params() KDFParams {
	if k.Params == (KDFParams{}) {
		return DefaultKDF
	}
	return k.Params
}

// FileState tells what unlocking dir will do.
type FileState int

const (
	// FileNew: no items and no parameters; the passphrase given at the
	// first unlock becomes the keyring's, so it must meet the floor.
	FileNew FileState = iota
	// FileLegacy: items from before Argon2id; the first unlock migrates.
	FileLegacy
	// FileKDFReady: parameters stored; unlock derives and checks.
	FileKDFReady
)

// State reads dir without changing it.
func (k FileKDF) State(dir string) (FileState, error) {
	dir, err := expandDir(dir)
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(filepath.Join(dir, kdfFileName)); err == nil {
		return FileKDFReady, nil
	}
	items, err := itemFiles(dir)
	if err != nil {
		return 0, err
	}
	// An interrupted migration's backup holds the items even if the
	// directory itself has lost some.
	if len(items) == 0 {
		if _, err := os.Stat(filepath.Join(dir, migrationDirName, backupComplete)); err != nil {
			return FileNew, nil
		}
	}
	return FileLegacy, nil
}

// Unlock returns the string the file backend must be given for dir: the
// Argon2id key derived from pass. A new keyring gets parameters and a salt
// (pass must meet the floor); a keyring from before Argon2id is migrated,
// every item rewritten under the derived key. Errors wrap ErrBadPassphrase
// or ErrWeakPassphrase where they apply, and never contain the passphrase.
func (k FileKDF) Unlock(dir string, pass secret.String) (secret.String, error) {
	if pass.IsZero() {
		return secret.String{}, fmt.Errorf("%w: empty passphrase", ErrBadPassphrase)
	}
	dir, err := prepareFileDir(cmpDir(dir))
	if err != nil {
		return secret.String{}, err
	}
	if err := recoverMigration(dir); err != nil {
		return secret.String{}, err
	}
	data, err := os.ReadFile(filepath.Join(dir, kdfFileName))
	switch {
	case err == nil:
		var f kdfFile
		if err := json.Unmarshal(data, &f); err != nil {
			return secret.String{}, fmt.Errorf("keyring %s: %s is damaged (%d bytes, not JSON): restore it from a backup", dir, kdfFileName, len(data))
		}
		if err := f.validate(); err != nil {
			return secret.String{}, fmt.Errorf("keyring %s: %s: %w", dir, kdfFileName, err)
		}
		key, check := f.derive(pass)
		if !hmac.Equal(check, f.Check) {
			return secret.String{}, ErrBadPassphrase
		}
		return key, nil
	case !errors.Is(err, fs.ErrNotExist):
		return secret.String{}, fmt.Errorf("keyring %s: %w", dir, err)
	}
	items, err := itemFiles(dir)
	if err != nil {
		return secret.String{}, err
	}
	if len(items) == 0 {
		if err := passphrase.Check(pass.Reveal()); err != nil {
			return secret.String{}, fmt.Errorf("%w: %w", ErrWeakPassphrase, err)
		}
		f, key, err := k.newKDFFile(pass)
		if err != nil {
			return secret.String{}, err
		}
		return key, writeKDFFile(dir, f)
	}
	return k.migrate(dir, items, pass)
}

func (k FileKDF) newKDFFile(pass secret.String) (kdfFile, secret.String, error) {
	f := kdfFile{Version: 1, KDF: kdfArgon2id, KDFParams: k.params(), Salt: make([]byte, 16)}
	if _, err := rand.Read(f.Salt); err != nil {
		return kdfFile{}, secret.String{}, err
	}
	key, check := f.derive(pass)
	f.Check = check
	return f, key, nil
}

// migrate rewrites a keyring from before Argon2id. Crash safety: every item
// file is first copied into .spin-migration and marked complete; items are
// then rewritten in place; writing .spin-kdf.json commits; the copies go
// last. recoverMigration puts the copies back if .spin-kdf.json never
// appeared, so an interruption at any point loses nothing.
func (k FileKDF) migrate(dir string, items []string, pass secret.String) (secret.String, error) {
	old := openFileRing(dir, pass)
	decoded := make([]keyring.Item, 0, len(items))
	defer func() {
		for _, it := range decoded {
			clear(it.Data)
		}
	}()
	for i, name := range items {
		it, err := old.Get(filenameKey(name))
		if err != nil {
			if i == 0 && errors.Is(fileError(err), ErrBadPassphrase) {
				return secret.String{}, ErrBadPassphrase
			}
			return secret.String{}, fmt.Errorf("keyring %s: migrating to Argon2id: item %s does not open with this passphrase (%v): move it out of the directory and unlock again", dir, name, fileError(err))
		}
		decoded = append(decoded, it)
	}
	backup := filepath.Join(dir, migrationDirName)
	if err := os.Mkdir(backup, 0o700); err != nil {
		return secret.String{}, fmt.Errorf("keyring %s: migration backup: %w", dir, err)
	}
	for _, name := range items {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			err = writeSynced(filepath.Join(backup, name), data)
		}
		if err != nil {
			return secret.String{}, fmt.Errorf("keyring %s: migration backup: %w", dir, err)
		}
	}
	if err := writeSynced(filepath.Join(backup, backupComplete), nil); err != nil {
		return secret.String{}, fmt.Errorf("keyring %s: migration backup: %w", dir, err)
	}
	if err := syncDir(backup); err != nil {
		return secret.String{}, err
	}
	f, key, err := k.newKDFFile(pass)
	if err != nil {
		return secret.String{}, err
	}
	ring := openFileRing(dir, key)
	for i, it := range decoded {
		if err := ring.Set(it); err != nil {
			return secret.String{}, fmt.Errorf("keyring %s: migrating item %d of %d: %w (the old items are kept in %s; unlock again to retry)", dir, i+1, len(decoded), err, backup)
		}
		if err := syncFile(filepath.Join(dir, items[i])); err != nil {
			return secret.String{}, err
		}
		if k.afterRewrite != nil {
			if err := k.afterRewrite(i + 1); err != nil {
				return secret.String{}, err
			}
		}
	}
	if err := writeKDFFile(dir, f); err != nil {
		return secret.String{}, err
	}
	if err := os.RemoveAll(backup); err != nil {
		return secret.String{}, fmt.Errorf("keyring %s: migrated, but the old copies in %s could not be removed: %w", dir, backup, err)
	}
	return key, nil
}

// recoverMigration finishes what an interrupted migration left: after the
// commit only the copies remain to remove; before it, a complete backup is
// put back (some items may already be rewritten under a key whose salt was
// never stored), an incomplete one is dropped (no item was touched yet).
func recoverMigration(dir string) error {
	backup := filepath.Join(dir, migrationDirName)
	if _, err := os.Stat(backup); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	_, kdfErr := os.Stat(filepath.Join(dir, kdfFileName))
	_, completeErr := os.Stat(filepath.Join(backup, backupComplete))
	if kdfErr != nil && completeErr == nil {
		entries, err := os.ReadDir(backup)
		if err != nil {
			return fmt.Errorf("keyring %s: restoring the migration backup: %w", dir, err)
		}
		for _, e := range entries {
			if e.Name() == backupComplete || !e.Type().IsRegular() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(backup, e.Name()))
			if err == nil {
				err = writeAtomic(filepath.Join(dir, e.Name()), data)
			}
			if err != nil {
				return fmt.Errorf("keyring %s: restoring %s from the migration backup: %w", dir, e.Name(), err)
			}
		}
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(backup); err != nil {
		return fmt.Errorf("keyring %s: removing the migration backup: %w", dir, err)
	}
	return nil
}

// itemFiles lists the directory's item files: regular files not of ours.
func itemFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keyring %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ourPrefix) && !strings.HasSuffix(e.Name(), ".tmp") {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// filenameKey undoes keyring's file name escaping (percent-encoding of
// '/' and '%').
func filenameKey(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == '%' && i+2 < len(name) {
			if v, err := hexByte(name[i+1 : i+3]); err == nil {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(name[i])
	}
	return b.String()
}

func hexByte(s string) (byte, error) {
	var v byte
	for _, c := range []byte(s) {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= c - '0'
		case c >= 'a' && c <= 'f':
			v |= c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v |= c - 'A' + 10
		default:
			return 0, errors.New("not hex")
		}
	}
	return v, nil
}

// openFileRing is the file backend of dir with a fixed password string.
func openFileRing(dir string, pw secret.String) keyring.Keyring {
	kr, _ := keyring.Open(keyring.Config{
		AllowedBackends:  []keyring.BackendType{keyring.FileBackend},
		FileDir:          dir,
		FilePasswordFunc: func(string) (string, error) { return pw.Reveal(), nil },
	})
	return kr
}

func writeKDFFile(dir string, f kdfFile) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, kdfFileName), append(data, '\n')); err != nil {
		return fmt.Errorf("keyring %s: writing %s: %w", dir, kdfFileName, err)
	}
	return nil
}

// writeAtomic replaces path with data (0600) through a synced temp file.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := writeSynced(tmp, data); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// cmpDir is dir, or the default file directory when dir is empty.
func cmpDir(dir string) string {
	if dir == "" {
		return defaultFileDir()
	}
	return dir
}

func expandDir(dir string) (string, error) {
	dir, err := keyring.ExpandTilde(cmpDir(dir))
	if err != nil {
		return "", fmt.Errorf("keyring file_dir: %w", err)
	}
	return dir, nil
}
