package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/listing"
)

func newListCmd(e *env, g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles, their sources and key sets, and the sessions spind holds, in one table",
		Example: `  spin list
  spin list --json`,
		Long: `One row per profile of config.yaml: its source (a key set, and whether the
keyring holds it; or an sso/login source, and whether you are signed in),
its role, its state in ~/.aws/config (spin profiles write) and the sessions
spind holds for it. Sources and key sets no profile uses follow. spin list
asks spind only if it runs: it never starts spind and never prompts.

--json prints one object with stable field names (new ones may be added):
  spind:    {running, locked, error}
  profiles: [{name, source, source_kind (key_set|sso|login|web_identity),
              role_arn, sso_account_id, sso_role_name, region,
              source_state (stored|missing|signed_in|not_signed_in|ready|unknown),
              aws_config (up to date|outdated|not written|conflict|duplicate),
              sessions: [{profile, session_name, role_arn, expiration,
                          sts_calls, cache_hits, last_error}]}]
  sources:  [{name, kind, used_by: [profile], status: {signed_in, expires, ...}}]
  key_sets: [{name, access_key_id (masked), mfa_serial, allow_export, created,
              rotation_pending, age_warning, used_by: [profile]}]`,
		Args: cobra.NoArgs,
		RunE: g.withSpind(e, false, func(ctx context.Context, c *client.Client, _ []string) error {
			s, err := g.setup(e)
			if err != nil {
				return err
			}
			return listing.Run(ctx, s, c, e.stdout, e.stderr, asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (fields above)")
	return cmd
}
