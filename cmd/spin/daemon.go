package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/hardening"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/passphrase"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/termtext"
)

func newDaemonCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Start, stop and inspect spind, the credential daemon",
	}
	cmd.AddCommand(
		newDaemonStartCmd(e, g),
		&cobra.Command{
			Use:     "stop",
			Short:   "Stop spind; cached sessions are forgotten",
			Example: "  spin daemon stop",
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				c, err := g.client(e)
				if err != nil {
					return err
				}
				defer c.Close()
				if err := c.Shutdown(cmd.Context()); err != nil {
					if errors.Is(err, launch.ErrNoDaemon) {
						fmt.Fprintln(e.stdout, "spind is not running")
						return nil
					}
					return err
				}
				if err := waitGone(cmd.Context(), c); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, "spind stopped")
				return nil
			},
		},
		&cobra.Command{
			Use:     "status",
			Short:   "Show spind's process: pid, uptime, keyring backend, locked or not",
			Example: "  spin daemon status",
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				c, err := g.client(e)
				if err != nil {
					return err
				}
				defer c.Close()
				st, err := c.Status(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "pid:      %d\nversion:  %s\nuptime:   %s\nsocket:   %s\nconfig:   %s\nkeyring:  %s\nlocked:   %v\nsessions: %d\nlog:      %s\n",
					st.PID, st.Version, time.Since(st.StartedAt).Round(time.Second), c.Socket(), st.ConfigPath,
					st.Backend, st.Locked, len(st.Sessions), launch.LogPath(e.getenv))
				if st.LockAfter != "" {
					fmt.Fprintf(e.stdout, "locks after %s idle (keyring.lock_after)\n", st.LockAfter)
				}
				if st.BuildNote != "" {
					fmt.Fprintf(e.stdout, "note:     %s\n", st.BuildNote)
				}
				if st.ConfigError != "" {
					fmt.Fprintf(e.stdout, "config error: %s\n", termtext.Clean(st.ConfigError))
				}
				printNet(e.stdout, st)
				return nil
			},
		},
	)
	cmd.AddCommand(newDaemonInstallCmds(e, g)...)
	return cmd
}

func newLockCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "lock",
		Short: "Make spind forget its key sets and keyring passphrase until 'spin unlock'",
		Long: `Make spind forget the key sets it read, the file keyring's passphrase and
its MFA sessions, as 'ssh-add -x' does for ssh-agent. Role sessions it
already holds are still served until they expire; anything that needs a key
set answers 'locked' until 'spin unlock'.

spind also locks by itself after keyring.lock_after (for example 8h) in
config.yaml without a request that needed a key set.`,
		Example: "  spin lock\n  spin unlock",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sock, err := g.socketPath(e)
			if err != nil {
				return err
			}
			c := client.New(sock)
			defer c.Close()
			if err := c.Lock(cmd.Context()); err != nil {
				if errors.Is(err, launch.ErrNoDaemon) {
					fmt.Fprintln(e.stdout, "spind is not running: nothing to lock")
					return nil
				}
				return err
			}
			fmt.Fprintln(e.stdout, "locked: spind forgot its key sets; cached role sessions are served until they expire")
			fmt.Fprintln(e.stdout, "run 'spin unlock' to resume")
			return nil
		},
	}
}

func newUnlockCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "unlock",
		Short: "Unlock spind: the file keyring's passphrase, or after 'spin lock'",
		Long: `Unlock spind. For the file keyring backend it asks for the passphrase
(or reads SPIN_KEYRING_PASSPHRASE); other backends guard themselves, so
after 'spin lock' or keyring.lock_after spind just reopens them.

A new file keyring takes the passphrase given at its first unlock: it is
asked twice and must have at least 12 characters. spind never gives it to
the keyring library as is: Argon2id (64 MiB, 4 passes, parameters and salt
in .spin-kdf.json beside the items) turns it into the key, so each guess at
a copied keyring directory costs as much. Keyrings from before that are
migrated at their first unlock.`,
		Example: "  spin unlock\n  SPIN_KEYRING_PASSPHRASE=... spin unlock",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hardenForSecret(e)
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			if !st.Locked {
				fmt.Fprintf(e.stdout, "the %s keyring is not locked\n", st.Backend)
				return nil
			}
			if err := unlockIfNeeded(cmd.Context(), e, c); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "unlocked")
			return nil
		},
	}
}

// unlockIfNeeded hands the passphrase to a locked spind.
func unlockIfNeeded(ctx context.Context, e *env, c *client.Client) error {
	st, err := c.Status(ctx)
	if err != nil || !st.Locked {
		return err
	}
	if st.Backend != "file" {
		return c.Unlock(ctx, secret.String{})
	}
	pass := secret.New(e.getenv("SPIN_KEYRING_PASSPHRASE"))
	switch {
	case pass.IsZero() && st.KeyringNew:
		if pass, err = newPassphrase(ctx, e); err != nil {
			return err
		}
	case pass.IsZero():
		pass, err = readHidden(ctx, e, "spin keyring passphrase: ")
		if err != nil {
			return hint.Wrap(fmt.Errorf("the file keyring is locked: %w", err), "set SPIN_KEYRING_PASSPHRASE or run 'spin unlock' in a terminal")
		}
	case st.KeyringNew:
		// spind checks too; saying it here names the variable.
		if err := passphrase.Check(pass.Reveal()); err != nil {
			return hint.Wrap(fmt.Errorf("SPIN_KEYRING_PASSPHRASE: %w", err), "set a longer SPIN_KEYRING_PASSPHRASE, or unset it to be asked")
		}
	}
	return c.Unlock(ctx, pass)
}

// newPassphrase asks for a new file-keyring passphrase twice: a typo in a
// passphrase typed once, unseen, would lock the user out of every key set
// stored after it.
func newPassphrase(ctx context.Context, e *env) (secret.String, error) {
	next := "set SPIN_KEYRING_PASSPHRASE or run 'spin unlock' in a terminal"
	p1, err := readHidden(ctx, e, fmt.Sprintf("new spin keyring passphrase (at least %d characters): ", passphrase.MinLength))
	if err != nil {
		return secret.String{}, hint.Wrap(fmt.Errorf("the new file keyring needs a passphrase: %w", err), next)
	}
	if err := passphrase.Check(p1.Reveal()); err != nil {
		return secret.String{}, hint.Wrap(err, "run 'spin unlock' again")
	}
	p2, err := readHidden(ctx, e, "same passphrase again: ")
	if err != nil {
		return secret.String{}, hint.Wrap(fmt.Errorf("the new file keyring needs a passphrase: %w", err), next)
	}
	if !p1.Equal(p2) {
		return secret.String{}, hint.Wrap(errors.New("the two passphrases differ; nothing was set"), "run 'spin unlock' again")
	}
	return p1, nil
}

// waitGone waits until spind stops answering.
func waitGone(ctx context.Context, c *client.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		if _, err := c.Status(ctx); errors.Is(err, launch.ErrNoDaemon) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("spind did not stop within 5s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// hardenForSecret keeps a passphrase or key this process is about to read
// out of core files and away from the user's other processes (/proc/PID/mem,
// ptrace), as spind does for its whole life.
func hardenForSecret(e *env) {
	if err := hardening.Apply(); err != nil {
		fmt.Fprintf(e.stderr, "spin: warning: %v\n", err)
	}
}
