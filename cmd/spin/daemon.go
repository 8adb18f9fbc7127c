package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/hardening"
	"github.com/cloudspin/spin/internal/passphrase"
	"github.com/cloudspin/spin/internal/secret"
)

func newDaemonCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Start, stop and inspect spind, the credential daemon",
	}
	cmd.AddCommand(
		newDaemonStartCmd(e, g, false),
		newDaemonStartCmd(e, g, true),
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
				running, err := c.Stop(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, map[bool]string{true: "spind stopped", false: "spind is not running"}[running])
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
				apitext.Daemon(e.stdout, st, c.Socket(), launch.LogPath(e.getenv), time.Now())
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

// unlockIfNeeded hands the passphrase to a locked spind; backends other
// than file guard themselves and just reopen.
func unlockIfNeeded(ctx context.Context, e *env, c *client.Client) error {
	st, err := c.Status(ctx)
	if err != nil || !st.Locked {
		return err
	}
	var pass secret.String
	if st.Backend == "file" {
		ask := func(prompt string) (secret.String, error) { return readHidden(ctx, e, prompt) }
		if pass, err = passphrase.Obtain(secret.New(e.getenv("SPIN_KEYRING_PASSPHRASE")), st.KeyringNew, ask); err != nil {
			return err
		}
	}
	return c.Unlock(ctx, pass)
}

// hardenForSecret keeps a passphrase or key this process is about to read
// out of core files and away from the user's other processes (/proc/PID/mem,
// ptrace), as spind does for its whole life.
func hardenForSecret(e *env) {
	if err := hardening.Apply(); err != nil {
		fmt.Fprintf(e.stderr, "spin: warning: %v\n", err)
	}
}
