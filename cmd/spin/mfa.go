package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/hint"
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
		RunE: func(cmd *cobra.Command, args []string) error {
			profile := args[0]
			var code string
			if fromStdin {
				line, err := bufio.NewReader(e.stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("read the MFA code from stdin: %w", err)
				}
				code = strings.TrimSpace(line)
			} else {
				var err error
				if code, err = promptMFACode(cmd.Context(), e, profile); err != nil {
					return err
				}
			}
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.MFA(cmd.Context(), profile, code); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "MFA session ready for profile %s\n", profile)
			return nil
		},
	}
	cmd.Flags().BoolVar(&fromStdin, "stdin", false, "read the code from stdin")
	return cmd
}

// promptMFACode asks for a profile's MFA code on the terminal.
func promptMFACode(ctx context.Context, e *env, profile string) (string, error) {
	code, err := readLine(ctx, e, fmt.Sprintf("MFA code for profile %s: ", profile))
	if errors.Is(err, errNoTTY) {
		return "", hint.Wrap(errNoTTY, fmt.Sprintf("run 'spin mfa %s' in a terminal, or pipe the code to 'spin mfa %s --stdin'", profile, profile))
	}
	if err != nil {
		return "", fmt.Errorf("read the MFA code: %w", err)
	}
	return code, nil
}

// ensureMFA makes sure spind can serve profile before a child starts,
// asking for an MFA code on the terminal if spind needs one (a prompt
// inside the child would be swallowed), or signing in to the profile's
// source. temporary asks for session credentials only (spin exec).
func ensureMFA(ctx context.Context, e *env, c *client.Client, profile, sessionName string, temporary bool) error {
	get := func() error {
		var err error
		if temporary {
			_, err = c.SessionCredentials(ctx, profile, sessionName)
		} else {
			_, err = c.Credentials(ctx, profile, sessionName)
		}
		return err
	}
	err := get()
	var ce *client.Error
	if errors.As(err, &ce) && ce.Code() == api.CodeSigninRequired && ce.Body.SourceKind == "web_identity" {
		retry, serr := signIn(ctx, e, c, ce)
		if serr != nil || !retry {
			return cmp.Or(serr, err)
		}
		return get()
	}
	if errors.As(err, &ce) && ce.Code() == api.CodeSigninRequired && (ce.Body.SourceKind == "sso" || ce.Body.SourceKind == "login") {
		// Sign in here, where a person is, not inside the child.
		if serr := signinOnTerminal(ctx, e, c, ce.Body.Source); serr != nil {
			return err
		}
		err = get()
	}
	if !errors.As(err, &ce) || ce.Code() != api.CodeMFARequired {
		return err
	}
	code, perr := promptMFACode(ctx, e, profile)
	if perr != nil {
		return err
	}
	if err := c.MFA(ctx, profile, code); err != nil {
		return err
	}
	return get()
}

// signinOnTerminal runs `spin login SOURCE` when there is a terminal to
// show the URL on; without one the caller keeps spind's hint.
func signinOnTerminal(ctx context.Context, e *env, c *client.Client, source string) error {
	tty, err := e.tty()
	if err != nil {
		return err
	}
	defer tty.Close()
	return signinflow.Run(ctx, c, signinflow.Options{Source: source, Out: tty, Open: signinflow.Opener(e.getenv)})
}
