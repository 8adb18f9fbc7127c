package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/daemoncmd"
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
			RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, _ []string) error {
				return daemoncmd.Stop(ctx, c, e.stdout)
			}),
		},
		&cobra.Command{
			Use:     "status",
			Short:   "Show spind's process: pid, uptime, keyring backend, locked or not",
			Example: "  spin daemon status",
			Args:    cobra.NoArgs,
			RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, _ []string) error {
				return daemoncmd.Status(ctx, c, e.getenv, e.stdout, e.stderr)
			}),
		},
	)
	cmd.AddCommand(newDaemonInstallCmds(e, g)...)
	return cmd
}

// newDaemonStartCmd is `spin daemon start`, or with restart `spin daemon
// restart`: stop the running spind first, so a new keyring backend,
// endpoint or proxy of this shell applies.
func newDaemonStartCmd(e *env, g *globals, restart bool) *cobra.Command {
	o := daemoncmd.StartOptions{Restart: restart}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start spind in the background, open and unlock its keyring",
		Long: `Start spind in the background (if it is not running), open its keyring
(resolving auto to the backend it finds, or saying why none works) and, for
the file keyring backend, unlock it with SPIN_KEYRING_PASSPHRASE or a prompt.
The passphrase goes to spind over its socket, never into its environment.

The keyring backend is --keyring-backend (or SPIN_KEYRING_BACKEND), else
keyring.backend in config.yaml, else auto: the desktop keyring (Keychain,
Secret Service, KWallet, an initialised pass store). Servers and WSL have
none: use file (a passphrase-encrypted directory). The first 'spin keys add'
records the backend in config.yaml, so a spind started on demand opens the
same one.

An explicit start is the only start that reads AWS_ENDPOINT_URL_<SERVICE>,
AWS_ENDPOINT_URL, HTTPS_PROXY, NO_PROXY and AWS_CA_BUNDLE/SSL_CERT_FILE from
your shell, and it prints any it will use; config.yaml's endpoints: and
network: win over them. When the credential helper or another spin command
starts spind on demand, spind gets none of them.`,
		Example: `  spin daemon start
  SPIN_KEYRING_PASSPHRASE=... spin daemon start --keyring-backend file   # a server or WSL
  AWS_ENDPOINT_URL_STS=http://127.0.0.1:4566 spin daemon start   # a local emulator`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lo, err := g.launchOptions(e)
			if err != nil {
				return err
			}
			return daemoncmd.Start(cmd.Context(), lo, o, e.daemonIO())
		},
	}
	if restart {
		cmd.Use, cmd.Short = "restart", "Stop spind and start it again with this shell's settings (sessions are forgotten)"
		cmd.Long = "Stop spind (its cached sessions are forgotten) and start it again as 'spin daemon\nstart' does, with this shell's settings: --keyring-backend, the passphrase,\nand the endpoint, proxy and CA bundle variables.\n\n" + cmd.Long[strings.Index(cmd.Long, "The keyring backend is"):]
		cmd.Example = "  spin daemon restart --keyring-backend file\n  AWS_ENDPOINT_URL_STS=http://127.0.0.1:4566 spin daemon restart"
	}
	cmd.Flags().StringVar(&o.Backend, "keyring-backend", "", "keyring backend for a spind this starts (auto, keychain, wincred, secret-service, kwallet, pass, keyctl, file); default SPIN_KEYRING_BACKEND, then config.yaml")
	return cmd
}

func newLockCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "lock",
		Short: "Make spind forget its key sets and keyring passphrase until 'spin unlock'",
		Long: `Make spind forget the key sets it read, the file keyring's passphrase and
its MFA sessions and the tokens of signed-in sources (sso, login), as
'ssh-add -x' does for ssh-agent. Role sessions it already holds are still
served until they expire; anything that needs a key set or a source's
tokens answers 'locked' until 'spin unlock' reads them again.

spind also locks by itself after keyring.lock_after (for example 8h) in
config.yaml without a request that needed a key set.`,
		Example: "  spin lock\n  spin unlock",
		Args:    cobra.NoArgs,
		RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, _ []string) error {
			return daemoncmd.Lock(ctx, c, e.stdout)
		}),
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
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, _ []string) error {
			return daemoncmd.Unlock(ctx, c, e.daemonIO())
		}),
	}
}

func (e *env) daemonIO() daemoncmd.IO {
	return daemoncmd.IO{Stdout: e.stdout, Stderr: e.stderr, Getenv: e.getenv, TTY: e.tty}
}
