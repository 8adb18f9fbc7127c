package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/signinflow"
)

func newLoginCmd(e *env, g *globals) *cobra.Command {
	var noBrowser bool
	cmd := &cobra.Command{
		Use:   "login SOURCE",
		Short: "Sign in to a source (IAM Identity Center); spind keeps the tokens",
		Example: `  spin login corp               # browser sign-in (authorization code with PKCE)
  spin login corp --no-browser  # device code: open the URL on any device, confirm the code`,
		Long: `Sign in to an sso source of config.yaml. spind registers with IAM Identity
Center, holds the PKCE verifier and keeps the access and refresh tokens in
memory and the keyring (one item per source), never in a file. This
command only shows the URL (and code), opens the browser ($BROWSER, with
the URL as its last argument, else xdg-open or open) and relays the
browser's answer from a listener on 127.0.0.1 to spind.

Every profile of the source then works for every caller; tokens are
refreshed silently until the sign-in ends (Identity Center's session
length), when helpers answer "source NAME needs a sign-in" again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			opts := signinflow.Options{Source: args[0], NoBrowser: noBrowser, Out: e.stderr}
			if !noBrowser {
				opts.Open = signinflow.Opener(e.getenv)
			}
			if err := signinflow.Run(cmd.Context(), c, opts); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "signed in to source %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "use the device code flow: print a URL and code to confirm on any device")
	return cmd
}

func newLogoutCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "logout SOURCE",
		Short:   "Sign out of a source: end the sign-in at AWS and forget its tokens",
		Example: `  spin logout corp`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.Signout(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "signed out of source %s\n", args[0])
			return nil
		},
	}
}
