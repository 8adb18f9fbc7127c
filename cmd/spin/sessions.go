package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/sessionscmd"
)

func newSessionsCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Manage the role sessions spind holds",
	}
	var asJSON bool
	listCmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the role sessions spind holds: profile, role, expiry, STS calls, cache hits",
		Example: `  spin sessions list
  spin sessions list --json   # [{"profile", "session_name", "role_arn", "expiration",
                              #   "sts_calls", "cache_hits", "last_error"}]`,
		Args: cobra.NoArgs,
		RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, _ []string) error {
			return sessionscmd.List(ctx, c, e.stdout, e.stderr, asJSON)
		}),
	}
	listCmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	var mfa bool
	clearCmd := &cobra.Command{
		Use:   "clear [PROFILE]",
		Short: "Drop cached role sessions, e.g. after a role's policy changed (--mfa: the MFA sessions too)",
		Example: `  spin sessions clear                                   # every profile
  spin sessions clear assume-cloudspin_examples-account
  spin sessions clear --mfa                             # and the MFA sessions: the next call asks for a code`,
		Args: cobra.MaximumNArgs(1),
		RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, args []string) error {
			profile := "" // every profile
			if len(args) == 1 {
				profile = args[0]
			}
			return sessionscmd.Clear(ctx, c, profile, mfa, e.stdout)
		}),
	}
	clearCmd.Flags().BoolVar(&mfa, "mfa", false, "also drop the MFA sessions (the profile's key set's, or all)")
	cmd.AddCommand(listCmd, clearCmd)
	return cmd
}
