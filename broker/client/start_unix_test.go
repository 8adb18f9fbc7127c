//go:build unix

package client

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
)

// fakeSpind serves status (and the keyring check) from st and records
// unlock requests, on a socket of its own.
type fakeSpind struct {
	mu       sync.Mutex
	st       api.Status
	checked  bool     // asked with ?keyring=check
	unlocked []string // passphrases received
}

func (f *fakeSpind) serve(t *testing.T) string {
	t.Helper()
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		switch r.URL.Path {
		case api.PathStatus:
			f.checked = f.checked || r.URL.Query().Get("keyring") == "check"
			_ = json.NewEncoder(w).Encode(f.st)
		case api.PathUnlock:
			u, err := api.DecodeUnlockRequest(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			f.unlocked = append(f.unlocked, u.Passphrase.Reveal())
			f.st.Locked = false
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return path
}

// A Starting client starts spind at its first request, not before, and a
// plain one never does.
func TestStartingStartsSpindAtFirstRequest(t *testing.T) {
	dir, err := os.MkdirTemp("", "spinst")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	marker := filepath.Join(dir, "started")
	bin := filepath.Join(dir, "spind")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\ntouch "+marker+"\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	o := launch.Options{Socket: filepath.Join(dir, "broker.sock"), Binary: bin, Wait: 2 * time.Second,
		LogFile: filepath.Join(dir, "spind.log"), Getenv: func(string) string { return "" }}

	if _, err := New(o.Socket).Status(t.Context()); !errors.Is(err, launch.ErrNoDaemon) {
		t.Errorf("plain client, nothing listening: %v, want ErrNoDaemon", err)
	}
	c := Starting(o)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("Starting ran spind before any request")
	}
	_, err = c.Status(t.Context())
	if err == nil || !strings.Contains(err.Error(), "spind exited (status 1)") {
		t.Fatalf("first request: %v, want the failed start", err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("spind was not started: %v", err)
	}

	// A running spind is used as it is.
	f := &fakeSpind{st: api.Status{PID: 42, Backend: "file"}}
	o.Socket = f.serve(t)
	st, err := Starting(o).Status(t.Context())
	if err != nil || st.PID != 42 {
		t.Errorf("running spind: %+v, %v", st, err)
	}
}

func TestKeyringReady(t *testing.T) {
	for _, tt := range []struct {
		name      string
		st        api.Status
		msg, hint string
	}{
		{"open", api.Status{Backend: "file"}, "", ""},
		{"locked", api.Status{Backend: "file", Locked: true}, "spind's file keyring is locked", "run 'spin unlock' (or 'spin daemon start'), then again"},
		{"no backend", api.Status{Backend: "secret-service", KeyringError: "the login keyring is locked", KeyringHint: "unlock it, or use --keyring-backend file"},
			"the login keyring is locked", "unlock it, or use --keyring-backend file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSpind{st: tt.st}
			err := New(f.serve(t)).KeyringReady(t.Context())
			if !f.checked {
				t.Error("spind was not asked to open its keyring")
			}
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.msg || hint.Of(err) != tt.hint {
				t.Errorf("got %v (hint %q), want %q (hint %q)", err, hint.Of(err), tt.msg, tt.hint)
			}
		})
	}
}

func TestUnlockIfNeeded(t *testing.T) {
	ask := func(answers ...string) (func(string) (secret.String, error), *[]string) {
		var prompts []string
		return func(p string) (secret.String, error) {
			prompts = append(prompts, p)
			if len(answers) == 0 {
				return secret.String{}, errors.New("no terminal to prompt on")
			}
			a := answers[0]
			answers = answers[1:]
			return secret.New(a), nil
		}, &prompts
	}
	t.Run("not locked: nothing sent, nothing asked", func(t *testing.T) {
		f := &fakeSpind{st: api.Status{Backend: "file"}}
		a, prompts := ask()
		if err := New(f.serve(t)).UnlockIfNeeded(t.Context(), secret.String{}, a); err != nil || len(f.unlocked) != 0 || len(*prompts) != 0 {
			t.Errorf("err %v, unlocks %d, prompts %q", err, len(f.unlocked), *prompts)
		}
	})
	t.Run("new file keyring: asked twice", func(t *testing.T) {
		f := &fakeSpind{st: api.Status{Backend: "file", Locked: true, KeyringNew: true}}
		a, prompts := ask("correct horse battery", "correct horse battery")
		if err := New(f.serve(t)).UnlockIfNeeded(t.Context(), secret.String{}, a); err != nil {
			t.Fatal(err)
		}
		if len(*prompts) != 2 || len(f.unlocked) != 1 || f.unlocked[0] != "correct horse battery" {
			t.Errorf("prompts %q, unlocks %q", *prompts, f.unlocked)
		}
	})
	t.Run("file keyring, passphrase from the environment", func(t *testing.T) {
		f := &fakeSpind{st: api.Status{Backend: "file", Locked: true}}
		a, prompts := ask()
		if err := New(f.serve(t)).UnlockIfNeeded(t.Context(), secret.New("from the env"), a); err != nil {
			t.Fatal(err)
		}
		if len(*prompts) != 0 || len(f.unlocked) != 1 || f.unlocked[0] != "from the env" {
			t.Errorf("prompts %q, unlocks %q", *prompts, f.unlocked)
		}
	})
	t.Run("file keyring, no terminal: nothing sent, the hint says what to set", func(t *testing.T) {
		f := &fakeSpind{st: api.Status{Backend: "file", Locked: true}}
		a, _ := ask()
		err := New(f.serve(t)).UnlockIfNeeded(t.Context(), secret.String{}, a)
		if err == nil || !strings.Contains(hint.Of(err), "SPIN_KEYRING_PASSPHRASE") || len(f.unlocked) != 0 {
			t.Errorf("err %v (hint %q), unlocks %q", err, hint.Of(err), f.unlocked)
		}
	})
	t.Run("other backends reopen without a passphrase", func(t *testing.T) {
		f := &fakeSpind{st: api.Status{Backend: "keyctl", Locked: true}}
		a, prompts := ask()
		if err := New(f.serve(t)).UnlockIfNeeded(t.Context(), secret.String{}, a); err != nil {
			t.Fatal(err)
		}
		if len(*prompts) != 0 || len(f.unlocked) != 1 || f.unlocked[0] != "" {
			t.Errorf("prompts %q, unlocks %q", *prompts, f.unlocked)
		}
	})
}
