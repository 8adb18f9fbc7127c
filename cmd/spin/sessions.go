package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/daemoncmd"
)

func newSessionsCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Manage the role sessions spind holds",
	}
	var mfa bool
	clearCmd := &cobra.Command{
		Use:   "clear [PROFILE]",
		Short: "Drop cached role sessions, e.g. after a role's policy changed (--mfa: the MFA sessions too)",
		Example: `  spin sessions clear                                   # every profile
  spin sessions clear assume-cloudspin_examples-account
  spin sessions clear --mfa                             # and the MFA sessions: the next call asks for a code`,
		Args: cobra.MaximumNArgs(1),
		RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, args []string) error {
			return daemoncmd.ClearSessions(ctx, c, strings.Join(args, ""), mfa, e.stdout)
		}),
	}
	clearCmd.Flags().BoolVar(&mfa, "mfa", false, "also drop the MFA sessions (the profile's key set's, or all)")
	cmd.AddCommand(clearCmd)
	return cmd
}
