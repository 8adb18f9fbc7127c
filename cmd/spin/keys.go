package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/keycmd"
)

func newKeysCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the long-term key sets spind keeps in the OS keyring",
	}
	cmd.AddCommand(newKeysAddCmd(e, g), newKeysListCmd(e, g), newKeysRemoveCmd(e, g), newKeysImportCmd(e, g), newKeysAllowExportCmd(e, g), newKeysRotateCmd(e, g))
	return cmd
}

func newKeysAddCmd(e *env, g *globals) *cobra.Command {
	o := &keycmd.AddOptions{}
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
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			return keycmd.Add(ctx, c, args[0], *o, e.keyIO())
		}),
	}
	cmd.Flags().BoolVar(&o.Stdin, "stdin", false, "read 'ID\\nSECRET\\n' or 'aws iam create-access-key' JSON from stdin")
	cmd.Flags().StringVar(&o.MFASerial, "mfa-serial", "", "ARN of the user's MFA device")
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace an existing key set of that name")
	cmd.Flags().BoolVar(&o.AllowExport, "allow-export", false, "let bootstrap profiles without MFA receive these long-term keys")
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
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			return keycmd.AllowExport(ctx, c, args[0], revoke, stdin, e.keyIO())
		}),
	}
	cmd.Flags().BoolVar(&revoke, "revoke", false, "stop handing out the long-term keys")
	cmd.Flags().BoolVar(&stdin, "stdin", false, "read the secret access key as one line from stdin")
	return cmd
}

func newKeysListCmd(e *env, g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored key sets (names and masked key ids)",
		Example: `  spin keys list
  spin keys list --json   # [{"name", "access_key_id" (masked), "mfa_serial", "allow_export",
                          #   "created", "rotation_pending", "age_warning"}]; empty ones left out`,
		Args: cobra.NoArgs,
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, _ []string) error {
			return keycmd.List(ctx, c, e.keyIO(), asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
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
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			return keycmd.Remove(ctx, c, args[0], yes, e.keyIO())
		}),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking")
	return cmd
}

func (e *env) keyIO() keycmd.IO {
	return keycmd.IO{Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr, TTY: e.tty}
}
