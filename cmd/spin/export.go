package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/credexport"
)

func newExportCmd(e *env, g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export PROFILE",
		Short: "Print a profile's credentials as shell variables, credential_process JSON, an ini section or PowerShell",
		Example: `  eval "$(spin export assume-cloudspin_examples-account)"
  spin export assume-cloudspin_examples-account --format json
  spin export assume-cloudspin_examples-account --format ini >> ~/.aws/credentials.tmp
  spin export assume-cloudspin_examples-account --format powershell | Invoke-Expression`,
		Long: `For tools that read neither ~/.aws/config (credential_process) nor a
container endpoint (spin exec): the profile's current session, as spind
hands it to the helper. The output does not refresh: run it again after
AWS_CREDENTIAL_EXPIRATION. Prefer the profile or spin exec where a tool
takes them.

A profile without role_arn or mfa_serial would print its key set's
long-term keys: only for a key set granted 'spin keys allow-export'. When
stdout is a terminal, a warning on stderr says the output holds live
credentials. A profile with allowed_callers refuses export unless it lists
the program that ran spin export (usually your shell).`,
		Args: cobra.ExactArgs(1),
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			o := credexport.Options{Profile: args[0], SessionName: e.getenv("SPIN_SESSION_NAME"), Format: format, Region: profileRegion(e, g, args[0])}
			return credexport.Export(ctx, c, e.terminal(), o, e.stdout, e.stderr)
		}),
	}
	cmd.Flags().StringVar(&format, "format", "env", "env (sh: export VAR=...), json (credential_process), ini (credentials file) or powershell")
	return cmd
}
