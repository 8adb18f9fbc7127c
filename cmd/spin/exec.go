package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/credendpoint"
)

func newExecCmd(e *env, g *globals) *cobra.Command {
	var cmd *cobra.Command
	cmd = &cobra.Command{
		Use:   "exec PROFILE [-- CMD [ARGS...]]",
		Short: "Run a command (default: your shell) with a profile's refreshing credentials",
		Example: `  spin exec assume-cloudspin_examples-account -- aws s3 ls
  spin exec assume-cloudspin_examples-account -- terraform plan
  spin exec assume-cloudspin_examples-account            # a shell`,
		Long: `Run CMD with credentials served from a container-credentials endpoint on
127.0.0.1 (AWS_CONTAINER_CREDENTIALS_FULL_URI plus a random
AWS_CONTAINER_AUTHORIZATION_TOKEN), for tools that do not read
~/.aws/config. Sessions refresh for as long as CMD runs; the endpoint
closes when it exits. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_PROFILE and friends are removed from CMD's
environment, since they would outrank the endpoint. CMD's exit code is
spin's. Nesting is refused.

The endpoint hands out sessions only: a profile without role_arn gets a
GetSessionToken session of its key set (as aws-vault exec does), with MFA
when it has an mfa_serial. Without MFA, AWS refuses such a session's calls
to IAM: give the profile a role_arn or an mfa_serial for those.`,
		Args: cobra.MinimumNArgs(1),
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			if cmd.ArgsLenAtDash() > 1 {
				return fmt.Errorf("exec takes one profile before --")
			}
			code, err := credendpoint.Exec(ctx, c, e.terminal(), credendpoint.ExecOptions{
				Profile: args[0], Region: profileRegion(e, g, args[0]), Argv: args[1:], Environ: os.Environ(),
				Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr,
			})
			if err != nil {
				return err
			}
			return &exitError{code: code}
		}),
	}
	return cmd
}

// profileRegion is the profile's region from spin's config, if it has one.
func profileRegion(e *env, g *globals, profile string) string {
	conf, err := g.loadConfig(e)
	if err != nil {
		return ""
	}
	r, err := conf.Resolve(profile)
	if err != nil {
		return ""
	}
	return r.Region
}
