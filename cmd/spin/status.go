package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/statuscmd"
	"github.com/cloudspin/spin/internal/version"
)

func newStatusCmd(e *env, g *globals) *cobra.Command {
	var o statuscmd.Options
	cmd := &cobra.Command{
		Use:     "status",
		Short:   "Show the sources (signed in or not), key sets and MFA sessions, the sessions spind holds (role, expiry, STS calls, cache hits) and failed profiles",
		Example: "  spin status\n  spin status --callers   # the last 10 programs that asked, per profile\n  spin status --json",
		Args:    cobra.NoArgs,
		RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, _ []string) error {
			cfg, _ := g.loadConfig(e) // a config that does not load shadows nothing
			return statuscmd.Run(ctx, c, cfg, e.getenv, o, e.stdout, e.stderr)
		}),
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&o.Callers, "callers", false, "show who asked for credentials recently (the last 10 requests per profile; 'spin audit' has all)")
	return cmd
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print spin's version, commit, build date and Go version",
		Example: "  spin version\n  spin --version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(e.stdout, version.Get().Line("spin"))
			return nil
		},
	}
}
