// Package keycmd is the CLI's side of `spin keys`: it reads key pairs and
// secrets from stdin or asks for them on the terminal (never from the
// command line), hands them to spind and says what spind did. The keyring
// itself is spind's; nothing here stores a key.
package keycmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/internal/hardening"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/keyinput"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/ttyprompt"
)

// Store is the part of spind's client (broker/client) the key commands use.
type Store interface {
	KeyringReady(ctx context.Context) error
	PutKey(ctx context.Context, name string, k api.KeyRequest) error
	SetExport(ctx context.Context, name string, req api.ExportRequest) error
	Key(ctx context.Context, name string) (api.KeyInfo, error)
	ListKeys(ctx context.Context) ([]api.KeyInfo, error)
	RemoveKey(ctx context.Context, name string) error
	RotateKey(ctx context.Context, name string, req api.RotateRequest) (api.RotateResult, error)
	Status(ctx context.Context) (api.Status, error)
}

// Terminal asks the person at the terminal (ttyprompt.TTY); both fail with
// ttyprompt.ErrNoTerminal when there is none.
type Terminal interface {
	Line(ctx context.Context, prompt string) (string, error)
	Hidden(ctx context.Context, prompt string) (secret.String, error)
}

// IO is where a command reads and writes.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	TTY            Terminal
}

// AddOptions are the flags of `spin keys add`.
type AddOptions struct {
	Stdin       bool // read the pair from stdin, not the terminal
	MFASerial   string
	Force       bool
	AllowExport bool
}

// Add stores a key pair as key set name. Piped keys are checked before
// spind is asked; typed ones are asked only once spind's keyring is ready,
// so nobody types a secret into a keyring that cannot take it.
func Add(ctx context.Context, s Store, name string, o AddOptions, t IO) error {
	hardening.ForSecret(t.Stderr)
	var pair keyinput.Pair
	var err error
	if o.Stdin {
		if pair, err = keyinput.Parse(t.Stdin); err != nil {
			return fmt.Errorf("keys add %s: %w", name, err)
		}
	}
	if err := s.KeyringReady(ctx); err != nil {
		return err
	}
	if !o.Stdin {
		if pair, err = askPair(ctx, t.TTY); err != nil {
			return fmt.Errorf("keys add %s: %w", name, err)
		}
	}
	err = s.PutKey(ctx, name, api.KeyRequest{
		AccessKeyID: pair.AccessKeyID, SecretAccessKey: pair.SecretAccessKey,
		MFASerial: o.MFASerial, Force: o.Force, AllowExport: o.AllowExport,
	})
	if err != nil {
		return err
	}
	st, err := s.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.Stdout, "stored key set %s (%s) in the %s keyring\n", name, secret.MaskKeyID(pair.AccessKeyID), st.Backend)
	return nil
}

// askPair asks for a key pair on the terminal, the secret without echo.
func askPair(ctx context.Context, tty Terminal) (keyinput.Pair, error) {
	id, err := tty.Line(ctx, "AWS access key id: ")
	if err != nil {
		return keyinput.Pair{}, hint.Wrap(fmt.Errorf("read the access key id: %w", err), "pipe the keys in with --stdin")
	}
	sec, err := tty.Hidden(ctx, "AWS secret access key: ")
	if err != nil {
		return keyinput.Pair{}, hint.Wrap(fmt.Errorf("read the secret access key: %w", err), "pipe the keys in with --stdin")
	}
	return keyinput.Check(id, sec)
}

// AllowExport grants key set name's export to bootstrap profiles, with its
// secret access key (from stdin, or asked) as proof, or revokes it. spind
// checks the name first, so a mistyped one fails with its error (and the
// name meant) before anyone types a secret.
func AllowExport(ctx context.Context, s Store, name string, revoke, stdin bool, t IO) error {
	req := api.ExportRequest{Allow: !revoke}
	if !revoke {
		if _, err := s.Key(ctx, name); err != nil {
			return err
		}
		hardening.ForSecret(t.Stderr)
		var err error
		if stdin {
			req.SecretAccessKey, err = keyinput.ReadSecretLine(t.Stdin)
		} else {
			req.SecretAccessKey, err = t.TTY.Hidden(ctx, "secret access key of key set "+name+": ")
			if errors.Is(err, ttyprompt.ErrNoTerminal) {
				err = hint.Wrap(err, "pipe the secret in with --stdin")
			}
		}
		if err != nil {
			return fmt.Errorf("keys allow-export %s: %w", name, err)
		}
	}
	if err := s.SetExport(ctx, name, req); err != nil {
		return err
	}
	if revoke {
		fmt.Fprintf(t.Stdout, "key set %s: long-term keys are no longer handed out\n", name)
		return nil
	}
	fmt.Fprintf(t.Stdout, "key set %s: bootstrap profiles without MFA now receive its long-term keys (spind logs each time)\n", name)
	fmt.Fprintf(t.Stdout, "revoke with: spin keys allow-export %s --revoke\n", name)
	return nil
}

// List prints the stored key sets, then any warnings about them; asJSON
// prints them as a JSON array instead (spin keys list --json).
func List(ctx context.Context, s Store, t IO, asJSON bool) error {
	keys, err := s.ListKeys(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return apitext.JSONList(t.Stdout, keys)
	}
	if len(keys) == 0 {
		fmt.Fprintln(t.Stderr, "spin: no key sets stored")
		fmt.Fprintln(t.Stderr, "spin: hint: run 'spin keys add NAME'")
		return nil
	}
	defer apitext.KeyWarnings(t.Stderr, api.Warnings(keys))
	return apitext.Keys(t.Stdout, keys)
}

// Remove deletes key set name, after asking on the terminal unless yes:
// the keys are gone for good, and without a terminal it needs yes. spind
// is asked for the key set first: a mistyped name fails with its error
// (and the name meant) instead of a question, and the question shows
// which access key goes.
func Remove(ctx context.Context, s Store, name string, yes bool, t IO) error {
	if !yes {
		k, err := s.Key(ctx, name)
		if err != nil {
			return err
		}
		answer, err := t.TTY.Line(ctx, fmt.Sprintf("remove key set %s (%s) from the keyring? profiles that use it stop working [y/N] ", name, k.AccessKeyID))
		if errors.Is(err, ttyprompt.ErrNoTerminal) {
			return hint.Wrap(fmt.Errorf("keys remove %s: no terminal to confirm on", name), "add --yes to remove it without asking")
		}
		if err != nil {
			return err
		}
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintf(t.Stderr, "spin: key set %s kept\n", name)
			return nil
		}
	}
	if err := s.RemoveKey(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(t.Stdout, "removed key set %s\n", name)
	return nil
}

// Rotate has spind replace key set name's access key and says which key
// is current and what became of the old one.
func Rotate(ctx context.Context, s Store, name string, req api.RotateRequest, stdout io.Writer) error {
	res, err := s.RotateKey(ctx, name, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key set %s: access key %s is current; the old key %s is %s\n", res.Name, res.NewKeyID, res.OldKeyID, res.OldKey)
	return nil
}
