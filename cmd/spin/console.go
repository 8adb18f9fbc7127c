package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/signinflow"
)

func newConsoleCmd(e *env, g *globals) *cobra.Command {
	var printURL bool
	var path string
	var duration time.Duration
	cmd := &cobra.Command{
		Use:   "console PROFILE",
		Short: "Open the AWS console signed in as a profile's role (or its key set's user)",
		Example: `  spin console assume-cloudspin_examples-account              # opens the browser
  spin console assume-cloudspin_examples-account --path /s3 --duration 4h
  spin console bootstrap --print                              # print the URL instead`,
		Long: `spind signs in to the AWS console through the federation endpoint with the
profile's role session; a profile without a role signs in as a federated
user of its key set (GetFederationToken). The browser is $BROWSER (the URL
as its last argument), else xdg-open or open.

The URL signs in whoever opens it within 15 minutes: --print writes it to
stdout only, spin never logs it.`,
		Args: cobra.ExactArgs(1),
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			req := api.ConsoleRequest{Path: path, DurationSeconds: int(duration / time.Second)}
			return signinflow.Console(ctx, c, e.terminal(), args[0], req, printURL, e.signinIO())
		}),
	}
	cmd.Flags().BoolVar(&printURL, "print", false, "print the sign-in URL instead of opening a browser")
	cmd.Flags().StringVar(&path, "path", "", "console page to open, e.g. /s3 (default the console home)")
	cmd.Flags().DurationVar(&duration, "duration", time.Hour, "console session length (15m to 12h)")
	return cmd
}
