package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/signinflow"
)

func newMFACmd(e *env, g *globals) *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "mfa PROFILE",
		Short: "Enter an MFA code once; spind keeps the MFA session in memory",
		Example: `  spin mfa assume-cloudspin_examples-account
  oathtool --totp -b "$SEED" | spin mfa assume-cloudspin_examples-account --stdin`,
		Long: `Ask for an MFA code on the terminal and hand it to spind, which calls
GetSessionToken and keeps that session (mfa_duration, default 12h) in
memory only. Role sessions for every profile of the same key set are then
made and refreshed from it without asking again until it ends.`,
		Args: cobra.ExactArgs(1),
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			return signinflow.MFA(ctx, c, e.terminal(), args[0], fromStdin, e.signinIO())
		}),
	}
	cmd.Flags().BoolVar(&fromStdin, "stdin", false, "read the code from stdin")
	return cmd
}
