package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/signinflow"
)

func newLoginCmd(e *env, g *globals) *cobra.Command {
	var o signinflow.LoginOptions
	cmd := &cobra.Command{
		Use:   "login SOURCE",
		Short: "Sign in to a source (IAM Identity Center, or console credentials as 'aws login'); spind keeps the tokens",
		Example: `  spin login corp               # browser sign-in (authorization code with PKCE)
  spin login corp --no-browser  # sso: device code; open the URL on any device, confirm the code
  spin login me --remote        # login: on a host without a browser, open the URL anywhere, paste the code
  spin login me --from-aws-cli default   # login: move what 'aws login' left in ~/.aws/login/cache into the keyring`,
		Long: `Sign in to a source of config.yaml's sources:. This command only shows
the URL (and code), opens the browser ($BROWSER, with the URL as its last
argument, else xdg-open or open) and relays the browser's answer from a
listener on 127.0.0.1 to spind, which holds the PKCE verifier and keeps the
tokens in memory and the keyring (one item per source), never in a file.

sso sources (IAM Identity Center): spind registers a client and refreshes
the access token until the sign-in ends (Identity Center's session length).
--no-browser uses the device code flow instead.

login sources (console credentials, the flow 'aws login' uses): the browser
signs you in to the console (MFA and passkeys included) and spind exchanges
the code for a login session bound to a key only spind holds (DPoP). spind
refreshes the console credentials for up to 12 hours and assumes your
profiles' roles with them. --remote prints the URL to open on any device
and reads the code its page shows. --from-aws-cli PROFILE adopts the
session 'aws login' made for PROFILE of ~/.aws/config: spind checks it with
one refresh, keeps it in the keyring, and the plaintext cache file
(refresh token and private key) is deleted.

Every profile of the source then works for every caller; when the sign-in
ends, helpers answer "source NAME needs a sign-in" again.`,
		Args: cobra.ExactArgs(1),
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			return signinflow.Login(ctx, c, e.terminal(), args[0], o, e.signinIO())
		}),
	}
	cmd.Flags().BoolVar(&o.NoBrowser, "no-browser", false, "sso: use the device code flow (print a URL and code to confirm on any device)")
	cmd.Flags().BoolVar(&o.Remote, "remote", false, "login: sign in from another device; print the URL and read the code its page shows")
	cmd.Flags().StringVar(&o.FromAWSCLI, "from-aws-cli", "", "login: adopt the `PROFILE`'s 'aws login' session from ~/.aws/login/cache and delete the file")
	cmd.MarkFlagsMutuallyExclusive("no-browser", "remote", "from-aws-cli")
	return cmd
}

func newLogoutCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "logout SOURCE",
		Short:   "Sign out of a source: spind forgets its tokens and the sessions made from them",
		Example: `  spin logout corp`,
		Args:    cobra.ExactArgs(1),
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			return signinflow.Logout(ctx, c, args[0], e.stdout)
		}),
	}
}

func (e *env) signinIO() signinflow.IO {
	return signinflow.IO{Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr}
}
