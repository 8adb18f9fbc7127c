package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/hint"
)

// keyringReady has spind open its keyring and says why it cannot take key
// sets (locked, no backend), before anyone types a secret.
func keyringReady(ctx context.Context, c *client.Client) error {
	st, err := c.CheckKeyring(ctx)
	switch {
	case err != nil:
		return err
	case st.Locked:
		return hint.Wrap(fmt.Errorf("spind's %s keyring is locked", st.Backend), "run 'spin unlock' (or 'spin daemon start'), then again")
	case st.KeyringError != "":
		return hint.Wrap(errors.New(st.KeyringError), st.KeyringHint)
	}
	return nil
}

// newDaemonStartCmd is `spin daemon start`, or with restart `spin daemon
// restart`: stop the running spind first, so a new keyring backend,
// endpoint or proxy of this shell applies.
func newDaemonStartCmd(e *env, g *globals, restart bool) *cobra.Command {
	var backend string
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
			hardenForSecret(e)
			o, err := g.launchOptions(e)
			if err != nil {
				return err
			}
			o.Explicit = true
			if restart {
				c := client.New(o.Socket)
				running, err := c.Stop(cmd.Context())
				c.Close()
				if err != nil {
					return err
				}
				if running {
					fmt.Fprintln(e.stdout, "spind stopped (its cached sessions are forgotten)")
				}
			}
			if backend != "" {
				o.Args = append(o.Args, "--keyring-backend", backend)
			}
			// spind would refuse them too, but only in its log.
			if err := awsnet.FromEnv(e.getenv).Check(); err != nil {
				return hint.Wrap(fmt.Errorf("this shell's environment: %w", err),
					"fix or unset the variable, or set endpoints:/network: in config.yaml (they win over the environment)")
			}
			started, err := launch.EnsureStarted(cmd.Context(), o)
			if err != nil {
				return err
			}
			c := client.New(o.Socket)
			defer c.Close()
			if err := unlockIfNeeded(cmd.Context(), e, c); err != nil {
				return err
			}
			st, err := c.CheckKeyring(cmd.Context())
			if err != nil {
				return err
			}
			if want := cmp.Or(backend, e.getenv("SPIN_KEYRING_BACKEND")); !started && want != "" && want != "auto" && want != st.Backend {
				return hint.Wrap(fmt.Errorf("spind already runs with the %s keyring, not %s", st.Backend, want),
					"run 'spin daemon restart --keyring-backend "+want+"' (cached sessions are forgotten)")
			}
			if st.KeyringError != "" {
				return hint.Wrap(errors.New("spind runs, but its keyring does not open: "+st.KeyringError), st.KeyringHint)
			}
			fmt.Fprintf(e.stdout, "spind is running (pid %d, keyring %s, socket %s)\n", st.PID, st.Backend, c.Socket())
			apitext.Net(e.stdout, st)
			if !started {
				if lines := awsnet.FromEnv(e.getenv).Describe(); len(lines) > 0 {
					fmt.Fprintf(e.stderr, "spin: spind was already running, so this shell's %s is not used: run 'spin daemon restart' to apply it, or set endpoints:/network: in config.yaml\n", strings.Join(lines, ", "))
				}
			}
			return nil
		},
	}
	if restart {
		cmd.Use, cmd.Short = "restart", "Stop spind and start it again with this shell's settings (sessions are forgotten)"
		cmd.Example = "  spin daemon restart --keyring-backend file\n  AWS_ENDPOINT_URL_STS=http://127.0.0.1:4566 spin daemon restart"
	}
	cmd.Flags().StringVar(&backend, "keyring-backend", "", "keyring backend for a spind this starts (auto, keychain, wincred, secret-service, kwallet, pass, keyctl, file); default SPIN_KEYRING_BACKEND, then config.yaml")
	return cmd
}
