package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/listing"
)

func newSessionsListCmd(e *env, g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the role sessions spind holds: profile, role, expiry, STS calls, cache hits",
		Example: `  spin sessions list
  spin sessions list --json   # [{"profile", "session_name", "role_arn", "expiration",
                              #   "sts_calls", "cache_hits", "last_error"}]`,
		Args: cobra.NoArgs,
		RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, _ []string) error {
			return listing.Sessions(ctx, c, e.stdout, e.stderr, asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}
