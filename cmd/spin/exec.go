package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/credendpoint"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/signinflow"
)

func newExecCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
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
		RunE: func(cmd *cobra.Command, args []string) error {
			profile, argv := args[0], args[1:]
			if cmd.ArgsLenAtDash() > 1 {
				return fmt.Errorf("exec takes one profile before --")
			}
			if p := e.getenv("SPIN_PROFILE"); p != "" {
				return hint.Wrap(fmt.Errorf("%w (profile %s)", credendpoint.ErrNested, p), "exit that shell first")
			}
			if len(argv) == 0 {
				argv = []string{cmp.Or(e.getenv("SHELL"), "/bin/sh")}
			}
			return execRun(cmd.Context(), e, g, profile, argv)
		},
	}
}

func execRun(ctx context.Context, e *env, g *globals, profile string, argv []string) error {
	c, err := g.spind(e, true)
	if err != nil {
		return err
	}
	defer c.Close()
	sessionName := e.getenv("SPIN_SESSION_NAME")
	if err := signinflow.Ready(ctx, c, e.terminal(), profile, sessionName, true); err != nil {
		return err
	}
	src := func(ctx context.Context) (api.Credentials, error) {
		return c.SessionCredentials(ctx, profile, sessionName)
	}
	code, err := credendpoint.Run(src, credendpoint.Child{
		Argv: argv, Environ: os.Environ(), Profile: profile, Region: profileRegion(e, g, profile),
		Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr,
	}, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	return &exitError{code: code}
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
