package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/keyinput"
	"github.com/cloudspin/spin/internal/secret"
)

func newKeysCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the long-term key sets spind keeps in the OS keyring",
	}
	cmd.AddCommand(newKeysAddCmd(e, g), newKeysListCmd(e, g), newKeysRemoveCmd(e, g), newKeysImportCmd(e, g), newKeysAllowExportCmd(e, g), newKeysRotateCmd(e, g))
	return cmd
}

type keysAddOptions struct {
	stdin       bool
	mfaSerial   string
	force       bool
	allowExport bool
}

func newKeysAddCmd(e *env, g *globals) *cobra.Command {
	o := &keysAddOptions{}
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Store an IAM user's access key pair in the OS keyring",
		Example: `  spin keys add cloudspin_user                       # hidden prompts for id and secret
  aws iam create-access-key --user-name cloudspin_user | spin keys add cloudspin_user --stdin
  printf '%s\n%s\n' "$ID" "$SECRET" | spin keys add cloudspin_user --stdin --force`,
		Long: `Store an IAM user's long-term access key pair under NAME in the keyring
spind uses. Keys are never taken from the command line (they would land in
shell history and in ps). Temporary (ASIA) keys are refused.

spind hands tools only sessions. A bootstrap profile (a source and no
role_arn, no MFA) would need the long-term keys themselves: --allow-export
permits that for this key set, and the permission is stored with the keys
in the keyring, so editing config.yaml cannot grant it. --force replaces
the key set, permission included.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hardenForSecret(e)
			name := args[0]
			var pair keyinput.Pair
			var err error
			if o.stdin { // piped keys are checked before spind is asked
				if pair, err = keyinput.Parse(e.stdin); err != nil {
					return fmt.Errorf("keys add %s: %w", name, err)
				}
			}
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			// Nobody should type a secret into a keyring that cannot take it.
			if err := keyringReady(cmd.Context(), c); err != nil {
				return err
			}
			if !o.stdin {
				if pair, err = promptKeys(cmd.Context(), e); err != nil {
					return fmt.Errorf("keys add %s: %w", name, err)
				}
			}
			err = c.PutKey(cmd.Context(), name, api.KeyRequest{
				AccessKeyID: pair.AccessKeyID, SecretAccessKey: pair.SecretAccessKey,
				MFASerial: o.mfaSerial, Force: o.force, AllowExport: o.allowExport,
			})
			if err != nil {
				return err
			}
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "stored key set %s (%s) in the %s keyring\n", name, secret.MaskKeyID(pair.AccessKeyID), st.Backend)
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.stdin, "stdin", false, "read 'ID\\nSECRET\\n' or 'aws iam create-access-key' JSON from stdin")
	cmd.Flags().StringVar(&o.mfaSerial, "mfa-serial", "", "ARN of the user's MFA device")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace an existing key set of that name")
	cmd.Flags().BoolVar(&o.allowExport, "allow-export", false, "let bootstrap profiles without MFA receive these long-term keys")
	return cmd
}

func newKeysAllowExportCmd(e *env, g *globals) *cobra.Command {
	var revoke, stdin bool
	cmd := &cobra.Command{
		Use:   "allow-export NAME",
		Short: "Let bootstrap profiles receive a key set's long-term keys (or --revoke)",
		Example: `  spin keys allow-export bootstrap_admin            # asks for the key set's secret access key
  printf '%s
' "$SECRET" | spin keys allow-export bootstrap_admin --stdin
  spin keys allow-export bootstrap_admin --revoke`,
		Long: `A profile with a source and no role_arn and no MFA (a bootstrap profile)
hands its tool the key set's long-term keys instead of a session. spind does
that only for key sets that allow it; the permission lives with the keys in
the keyring, not in config.yaml, so a file edit cannot grant it. Granting
asks for the key set's secret access key, to prove you had it; --revoke
needs nothing. Every hand-out is logged by spind at WARN with the pid and
executable that asked.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			req := api.ExportRequest{Allow: !revoke}
			if !revoke {
				hardenForSecret(e)
				var err error
				if stdin {
					req.SecretAccessKey, err = keyinput.ReadSecretLine(e.stdin)
				} else {
					req.SecretAccessKey, err = readHidden(cmd.Context(), e, "secret access key of key set "+name+": ")
					if errors.Is(err, errNoTTY) {
						err = hint.Wrap(err, "pipe the secret in with --stdin")
					}
				}
				if err != nil {
					return fmt.Errorf("keys allow-export %s: %w", name, err)
				}
			}
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.SetExport(cmd.Context(), name, req); err != nil {
				return err
			}
			if revoke {
				fmt.Fprintf(e.stdout, "key set %s: long-term keys are no longer handed out\n", name)
				return nil
			}
			fmt.Fprintf(e.stdout, "key set %s: bootstrap profiles without MFA now receive its long-term keys (spind logs each time)\n", name)
			fmt.Fprintf(e.stdout, "revoke with: spin keys allow-export %s --revoke\n", name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&revoke, "revoke", false, "stop handing out the long-term keys")
	cmd.Flags().BoolVar(&stdin, "stdin", false, "read the secret access key as one line from stdin")
	return cmd
}

func newKeysListCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List stored key sets (names and masked key ids)",
		Example: "  spin keys list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			keys, err := c.ListKeys(cmd.Context())
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				fmt.Fprintln(e.stderr, "spin: no key sets stored")
				fmt.Fprintln(e.stderr, "spin: hint: run 'spin keys add NAME'")
				return nil
			}
			defer printKeyWarnings(e, api.Warnings(keys)) // rotate.go
			return apitext.Keys(e.stdout, keys)
		},
	}
}

func newKeysRemoveCmd(e *env, g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Delete a key set from the keyring",
		Example: "  spin keys remove cloudspin_user          # asks first\n  spin keys remove cloudspin_user --yes    # scripts: no terminal to ask on",
		Long: `Delete a key set from the keyring. The keys are gone for good unless you
still have them elsewhere (IAM shows the key id, never the secret again), so
on a terminal spin asks first; without one it needs --yes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				answer, err := readLine(cmd.Context(), e, fmt.Sprintf("remove key set %s from the keyring? profiles that use it stop working [y/N] ", args[0]))
				if errors.Is(err, errNoTTY) {
					return hint.Wrap(fmt.Errorf("keys remove %s: no terminal to confirm on", args[0]), "add --yes to remove it without asking")
				}
				if err != nil {
					return err
				}
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					fmt.Fprintf(e.stderr, "spin: key set %s kept\n", args[0])
					return nil
				}
			}
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.RemoveKey(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "removed key set %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking")
	return cmd
}
