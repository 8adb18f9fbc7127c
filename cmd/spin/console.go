package main

import (
	"errors"
	"fmt"
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
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.spind(e, true)
			if err != nil {
				return err
			}
			defer c.Close()
			req := api.ConsoleRequest{Path: path, DurationSeconds: int(duration / time.Second)}
			out, err := c.Console(cmd.Context(), args[0], req)
			var ce *client.Error
			if errors.As(err, &ce) && (ce.Code() == api.CodeMFARequired || ce.Code() == api.CodeSigninRequired) {
				// Ask for the MFA code (or sign in) here, then try again.
				if rerr := signinflow.Ready(cmd.Context(), c, e.terminal(), args[0], "", true); rerr != nil {
					return rerr
				}
				out, err = c.Console(cmd.Context(), args[0], req)
			}
			if err != nil {
				return err
			}
			if printURL {
				fmt.Fprintln(e.stdout, out.URL.Reveal())
				return nil
			}
			if err := signinflow.Opener(e.getenv)(out.URL.Reveal()); err != nil {
				// Never the URL in an error: it is a bearer secret.
				return errors.New("could not start a browser: set BROWSER, or run 'spin console " + args[0] + " --print'")
			}
			fmt.Fprintf(e.stderr, "spin: console opened as %s\n", out.Identity)
			return nil
		},
	}
	cmd.Flags().BoolVar(&printURL, "print", false, "print the sign-in URL instead of opening a browser")
	cmd.Flags().StringVar(&path, "path", "", "console page to open, e.g. /s3 (default the console home)")
	cmd.Flags().DurationVar(&duration, "duration", time.Hour, "console session length (15m to 12h)")
	return cmd
}
