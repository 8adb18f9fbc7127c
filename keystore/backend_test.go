//go:build unix

// The keyring test kit (internal/testkeyring) drives unix daemons.

package keystore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/testkeyring"
)

func TestChooseAuto(t *testing.T) {
	all := []string{BackendWinCred, BackendKeychain, BackendSecretService, BackendKWallet, BackendKeyCtl, BackendPass, BackendFile}
	tests := []struct {
		name      string
		available []string
		works     []string
		want      string // "" means an error
		wantTried []string
	}{
		{"first desktop keyring wins", all, []string{BackendKWallet, BackendSecretService, BackendPass}, BackendSecretService,
			[]string{BackendWinCred, BackendKeychain, BackendSecretService}},
		{"falls through in order", all, []string{BackendPass}, BackendPass,
			[]string{BackendWinCred, BackendKeychain, BackendSecretService, BackendKWallet, BackendPass}},
		{"never keyctl or file", all, []string{BackendKeyCtl, BackendFile}, "",
			[]string{BackendWinCred, BackendKeychain, BackendSecretService, BackendKWallet, BackendPass}},
		{"nothing available", []string{BackendKeyCtl, BackendFile}, []string{BackendKeyCtl, BackendFile}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tried []string
			open := func(b string) (keyring.Keyring, error) {
				tried = append(tried, b)
				if slices.Contains(tt.works, b) {
					return keyring.NewArrayKeyring(nil), nil
				}
				return nil, errors.New(b + " refused")
			}
			_, got, err := chooseAuto("linux", tt.available, open)
			if got != tt.want {
				t.Errorf("chose %q, want %q (err %v)", got, tt.want, err)
			}
			if tt.want == "" && (err == nil || !strings.Contains(err.Error(), "keyring.backend: file")) {
				t.Errorf("error = %v, want a hint to set keyring.backend: file", err)
			}
			if diff := cmp.Diff(tt.wantTried, tried); diff != "" {
				t.Errorf("opened (-want +got):\n%s", diff)
			}
		})
	}
}

// Finding nothing, auto names every backend it considered and why it did
// not take it, and says how to choose one.
func TestChooseAutoExplains(t *testing.T) {
	_, _, err := chooseAuto("linux", []string{BackendKeyCtl, BackendPass, BackendFile}, func(b string) (keyring.Keyring, error) {
		return nil, errors.New("keyring backend pass: the password store is not initialised (run `pass init GPG-ID`)")
	})
	for _, want := range []string{
		"keyring backend auto found no usable keyring: pass: the password store is not initialised (run `pass init GPG-ID`); ",
		"secret-service is not available: is a D-Bus session bus set",
		"kwallet is not available: ",
		"keyctl and file are never chosen by auto: set keyring.backend: file",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nwant it to contain %q", err, want)
		}
	}
	if !errors.Is(err, ErrNoKeyring) || strings.Contains(err.Error(), "keychain") || strings.Contains(err.Error(), "wincred") {
		t.Errorf("error %v: want ErrNoKeyring, and no backend of another system", err)
	}
}

// TestOpenAuto uses this process's real backends: inside the harness that
// is the Secret Service; elsewhere auto may find nothing, which must be an
// error and not keyctl or file.
func TestOpenAuto(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: opens this machine's keyrings (skipped with -short)")
	}
	s, err := Open(Config{Timeout: 5 * time.Second})
	if testkeyring.SecretServiceAvailable() {
		if err != nil || s.Backend() != BackendSecretService {
			t.Fatalf("Open(auto) = %v, %v; want secret-service", s, err)
		}
		return
	}
	switch {
	case err != nil && !strings.Contains(err.Error(), "keyring.backend: file"):
		t.Errorf("Open(auto) error %q lacks the config hint", err)
	case err == nil && !autoCandidate(s.Backend()):
		t.Errorf("Open(auto) chose %s", s.Backend())
	}
}

// hangingRing blocks every call until release is closed, like a Secret
// Service waiting for a prompt nobody answers.
type hangingRing struct {
	keyring.Keyring
	release chan struct{}
}

func (h hangingRing) Keys() ([]string, error) { <-h.release; return nil, nil }

func TestCallsTimeOut(t *testing.T) {
	h := hangingRing{keyring.NewArrayKeyring(nil), make(chan struct{})}
	s := newStore("secret-service", 50*time.Millisecond, func() (keyring.Keyring, error) { return h, nil })
	ctx := context.Background()

	start := time.Now()
	_, err := s.List(ctx)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("List on a hung keyring = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("List gave up after %v, want about 50ms", d)
	}
	// The hung call still holds the backend: the next one must time out
	// too rather than run concurrently with it.
	if _, err := s.List(ctx); !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("second List = %v, want ErrTimeout behind the hung call", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.List(cctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("List with a cancelled ctx = %v, want context.Canceled", err)
	}

	close(h.release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err = s.List(ctx); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("List after the keyring recovered = %v", err)
	}
}

func TestAvailableBackends(t *testing.T) {
	got := AvailableBackends()
	if !slices.Contains(got, BackendFile) {
		t.Errorf("AvailableBackends() = %v, want file among them", got)
	}
	if testkeyring.SecretServiceAvailable() && !slices.Contains(got, BackendSecretService) {
		t.Errorf("AvailableBackends() = %v inside the harness, want secret-service", got)
	}
}
