package keystore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/99designs/keyring"
)

// Backend names, as in config.yaml's keyring.backend.
const (
	BackendAuto          = "auto"
	BackendKeychain      = string(keyring.KeychainBackend)
	BackendWinCred       = string(keyring.WinCredBackend)
	BackendSecretService = string(keyring.SecretServiceBackend)
	BackendKWallet       = string(keyring.KWalletBackend)
	BackendPass          = string(keyring.PassBackend)
	BackendKeyCtl        = string(keyring.KeyCtlBackend)
	BackendFile          = string(keyring.FileBackend)
)

// AvailableBackends lists the backends this process can use, in keyring's
// order of preference. Secret Service and KWallet appear only when a D-Bus
// session bus answered when the process started: keyring probes it at init.
func AvailableBackends() []string {
	var out []string
	for _, b := range keyring.AvailableBackends() {
		out = append(out, string(b))
	}
	return out
}

// autoCandidate reports whether auto may pick backend b. keyctl keys vanish
// at reboot and the file backend needs a passphrase: both must be chosen on
// purpose, never fallen into.
func autoCandidate(b string) bool {
	switch b {
	case BackendKeychain, BackendWinCred, BackendSecretService, BackendKWallet, BackendPass:
		return true
	}
	return false
}

// keyringConfig translates our Config for one concrete backend.
func keyringConfig(cfg Config, backend string) keyring.Config {
	kc := keyring.Config{
		AllowedBackends: []keyring.BackendType{keyring.BackendType(backend)},
		ServiceName:     cfg.ServiceName,
		// Trusting spind avoids a Keychain prompt on every read by the
		// daemon; key sets never sync to iCloud.
		KeychainTrustApplication:       true,
		KeychainAccessibleWhenUnlocked: true,
		// Only the login collection is unlocked at login; any other one
		// asks for a password through a GUI prompt spind cannot show.
		LibSecretCollectionName: "login",
		KWalletAppID:            cfg.ServiceName,
		KWalletFolder:           cfg.ServiceName,
		PassDir:                 cfg.PassDir,
		PassPrefix:              cfg.ServiceName,
		WinCredPrefix:           cfg.ServiceName,
		KeyCtlScope:             cfg.KeyCtlScope,
		KeyCtlPerm:              keyctlPerm,
		FileDir:                 cfg.FileDir,
		FilePasswordFunc: func(string) (string, error) {
			pw, err := cfg.Passphrase()
			if err == nil && pw == "" {
				// keyring would encrypt with it, and ask again next time.
				err = errors.New("the keyring passphrase is empty")
			}
			return pw, err
		},
	}
	if backend == BackendKWallet {
		// KWallet takes ServiceName as the wallet's name. The default
		// wallet is the one opened at login; our items get a folder in it.
		kc.ServiceName = "kdewallet"
	}
	return kc
}

// openBackend opens one concrete backend, giving up after the timeout:
// Secret Service and KWallet open D-Bus sessions that can hang.
func openBackend(cfg Config, backend string) (keyring.Keyring, error) {
	if !slices.Contains(AvailableBackends(), backend) {
		return nil, fmt.Errorf("keyring backend %s is not available in this process%s", backend, unavailableHint(backend))
	}
	if backend == BackendPass && !passInitialised(cfg.PassDir) {
		return nil, errors.New("keyring backend pass: the password store is not initialised (run `pass init GPG-ID`)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	kr, err := runBounded(ctx, nil, "opening keyring backend "+backend, func() (keyring.Keyring, error) {
		return keyring.Open(keyringConfig(cfg, backend))
	})
	if errors.Is(err, keyring.ErrNoAvailImpl) {
		// keyring swallows the opener's own error; say where to look.
		return nil, fmt.Errorf("keyring backend %s could not be opened%s", backend, unavailableHint(backend))
	}
	if errors.Is(err, ErrTimeout) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("opening keyring backend %s: %w", backend, err)
	}
	if backend == BackendSecretService {
		// The Secret Service opens without a collection to write to; the
		// first write then fails deep in D-Bus (Object does not exist at
		// path "/": the unlock prompt it wanted cannot be shown). Find out
		// now, with an item spin's listing ignores.
		_, err := runBounded(ctx, nil, "checking keyring backend "+backend, func() (struct{}, error) {
			if err := kr.Set(keyring.Item{Key: "spin-check", Label: "spin keyring check", Data: []byte("ok")}); err != nil {
				return struct{}{}, err
			}
			return struct{}{}, kr.Remove("spin-check")
		})
		if err != nil {
			return nil, secretServiceError(err)
		}
	}
	return kr, nil
}

// secretServiceError explains a Secret Service that answers but has no
// unlocked login collection, the usual state on a server or in WSL.
func secretServiceError(err error) error {
	if errors.Is(err, ErrTimeout) {
		return fmt.Errorf("keyring backend secret-service did not answer: %w", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "does not exist at path") || strings.Contains(strings.ToLower(msg), "collection") || strings.Contains(strings.ToLower(msg), "locked") {
		return fmt.Errorf("keyring backend secret-service has no unlocked login keyring (%s): unlock it (log in to the desktop, or pipe its password to 'gnome-keyring-daemon --unlock'), or set keyring.backend: file", msg)
	}
	return fmt.Errorf("keyring backend secret-service cannot store items: %w", err)
}

func unavailableHint(backend string) string {
	return unavailableHintFor(runtime.GOOS, AvailableBackends(), backend)
}

func unavailableHintFor(goos string, available []string, backend string) string {
	if note := buildNote(goos, available); backend == BackendKeychain && note != "" {
		return ": " + note
	}
	switch backend {
	case BackendSecretService, BackendKWallet:
		return ": is a D-Bus session bus set (DBUS_SESSION_BUS_ADDRESS) and the keyring daemon running and unlocked?"
	case BackendPass:
		return ": is pass installed?"
	case BackendKeychain, BackendWinCred:
		return ": it exists only on its own operating system"
	}
	return ""
}

// autoOrder is the order auto tries the desktop keyrings in, each on the
// systems that have it.
var autoOrder = []struct{ backend, goos string }{
	{BackendKeychain, "darwin"}, {BackendWinCred, "windows"},
	{BackendSecretService, ""}, {BackendKWallet, ""}, {BackendPass, ""},
}

// chooseAuto opens the first candidate that works. open is a parameter so
// the order and the refusals are tested without real backends. When none
// works, the error names every backend auto considered and why it did not
// take it, so a headless first run says what to do instead of blaming the
// last one tried.
func chooseAuto(goos string, available []string, open func(string) (keyring.Keyring, error)) (keyring.Keyring, string, error) {
	var why []string
	for _, b := range available {
		if !autoCandidate(b) {
			continue
		}
		kr, err := open(b)
		if err == nil {
			return kr, b, nil
		}
		why = append(why, strings.TrimPrefix(err.Error(), "keyring backend "))
	}
	for _, c := range autoOrder {
		if (c.goos == "" || c.goos == goos) && !slices.Contains(available, c.backend) {
			why = append(why, c.backend+" is not available"+unavailableHintFor(goos, available, c.backend))
		}
	}
	why = append(why, "keyctl and file are never chosen by auto")
	return nil, "", fmt.Errorf("keyring backend auto found no usable keyring: %s: %w", strings.Join(why, "; "), ErrNoKeyring)
}

// ErrNoKeyring says auto found no keyring: the fix is to choose one.
var ErrNoKeyring = errors.New("set keyring.backend: file (a passphrase-encrypted file, for servers and WSL) or keyctl in config.yaml")

// passInitialised reports whether pass has a store to write to: without a
// .gpg-id, `pass insert` fails, so auto must not pick an empty store.
func passInitialised(dir string) bool {
	if dir == "" {
		dir = os.Getenv("PASSWORD_STORE_DIR")
	}
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		dir = filepath.Join(home, ".password-store")
	}
	dir, err := keyring.ExpandTilde(dir)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, ".gpg-id"))
	return err == nil
}
