package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/signinflow"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/profiles/keyimport"
)

// signinWait bounds how long `spin login --remote` waits for the paste.
const signinWait = 10 * time.Minute

func newLoginCmd(e *env, g *globals) *cobra.Command {
	var noBrowser, remote bool
	var fromAWSCLI string
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
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			source := args[0]
			switch {
			case fromAWSCLI != "":
				return importAWSCLILogin(cmd.Context(), e, c, source, fromAWSCLI)
			case remote:
				err = signinRemote(cmd.Context(), e, c, source)
			default:
				opts := signinflow.Options{Source: source, NoBrowser: noBrowser, Out: e.stderr}
				if !noBrowser {
					opts.Open = signinflow.Opener(e.getenv)
				}
				err = signinflow.Run(cmd.Context(), c, opts)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "signed in to source %s%s\n", source, signedInAs(cmd.Context(), c, source))
			return nil
		},
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "sso: use the device code flow (print a URL and code to confirm on any device)")
	cmd.Flags().BoolVar(&remote, "remote", false, "login: sign in from another device; print the URL and read the code its page shows")
	cmd.Flags().StringVar(&fromAWSCLI, "from-aws-cli", "", "login: adopt the `PROFILE`'s 'aws login' session from ~/.aws/login/cache and delete the file")
	cmd.MarkFlagsMutuallyExclusive("no-browser", "remote", "from-aws-cli")
	return cmd
}

// signedInAs names who signed in, when spind's status says (login
// sources); empty otherwise.
func signedInAs(ctx context.Context, c *client.Client, source string) string {
	st, err := c.Status(ctx)
	if err != nil {
		return ""
	}
	for _, s := range st.Sources {
		if s.Name == source && s.Principal != "" {
			return " as " + s.Principal
		}
	}
	return ""
}

func newLogoutCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "logout SOURCE",
		Short:   "Sign out of a source: spind forgets its tokens and the sessions made from them",
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

// signinRemote runs a login source's sign-in from another device: spind
// makes the URL and holds the secrets; the user pastes the code the page
// shows, and spind decodes it.
func signinRemote(ctx context.Context, e *env, c *client.Client, source string) error {
	ctx, cancel := context.WithTimeout(ctx, signinWait)
	defer cancel()
	f, err := c.StartSignin(ctx, source, api.SigninStart{Mode: api.SigninRemote})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Open this URL in a browser on any device and sign in:\n\n  %s\n\nThen paste the code the page shows, and press Enter:\n", f.URL)
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if strings.TrimSpace(line) == "" {
		if err == nil {
			err = errors.New("empty input")
		}
		return hint.Wrap(fmt.Errorf("read the code: %w", err), fmt.Sprintf("run 'spin login %s --remote' again and paste the code", source))
	}
	return c.CompleteSignin(ctx, source, api.SigninComplete{Pasted: strings.TrimSpace(line)})
}

// importAWSCLILogin moves the AWS CLI's login session for profile into
// spind (and so the keyring), then deletes the plaintext cache file.
func importAWSCLILogin(ctx context.Context, e *env, c *client.Client, source, profile string) error {
	awsPath, err := profiles.AWSConfigPath(e.getenv)
	if err != nil {
		return err
	}
	conf, err := keyimport.ReadAWSFile(awsPath)
	if err != nil {
		return err
	}
	session, err := profiles.LoginSessionOf(conf, profile)
	if err != nil {
		return hint.Wrap(fmt.Errorf("%s: %w", awsPath, err), "name the profile 'aws login' wrote, or run 'spin login "+source+"'")
	}
	path, err := profiles.LoginCachePath(e.getenv, session)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return hint.Wrap(fmt.Errorf("read the AWS CLI's login session of profile %s: %w", profile, err), "run 'spin login "+source+"' instead")
	}
	out, err := c.ImportSignin(ctx, source, api.SigninImport{Cache: string(data), Session: session})
	clear(data)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return hint.Wrap(fmt.Errorf("the session is in the keyring, but deleting %s failed: %w", path, err), "delete it yourself: it holds the refresh token and private key")
	}
	fmt.Fprintf(e.stdout, "Moved the 'aws login' session of profile %s (%s) into the keyring as source %s; deleted %s\n", profile, out.Principal, source, path)
	var still []string
	for p, s := range profiles.LoginSessions(conf) {
		if s == session {
			still = append(still, p)
		}
	}
	if len(still) > 0 {
		slices.Sort(still)
		fmt.Fprintf(e.stderr, "spin: note: %s in %s still use login_session %s, whose cache is gone\n", strings.Join(still, ", "), awsPath, session)
		fmt.Fprintf(e.stderr, "spin: hint: give them 'source: %s' under profiles: in config.yaml and run 'spin profiles write --force'\n", source)
	}
	return nil
}
