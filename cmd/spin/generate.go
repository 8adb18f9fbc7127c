package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

func newProfilesGenerateCmd(e *env, g *globals) *cobra.Command {
	var tmpl, prefix string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "generate SOURCE",
		Short: "Add a profile for every account and role you have in an sso source",
		Example: `  spin profiles generate corp --dry-run
  spin profiles generate corp --template '{{account_name}}-{{role_name}}' --prefix sso-
  spin profiles write`,
		Long: `List every account and permission set the signed-in user of an sso source
is assigned (ListAccounts, ListAccountRoles, paginated, backing off when
throttled) and add a profile to config.yaml for each one no profile of the
source covers yet. Existing profiles are never renamed or overwritten, so
running it again only adds what is new. Placeholders: {{account_name}},
{{account_id}}, {{role_name}}. Then run 'spin profiles write'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			source := args[0]
			path, err := g.configPath(e)
			if err != nil {
				return err
			}
			conf, err := g.loadConfig(e)
			if err != nil {
				return err
			}
			if d, ok := conf.Sources[source]; !ok || d.Kind != profiles.KindSSO {
				return hint.Wrap(fmt.Errorf("%s has no sso source %s", path, source), "add it under sources: (see 'spin login --help')")
			}
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Minute)
			defer cancel()
			accts, err := c.SSOAccounts(ctx, source)
			if err != nil {
				return err
			}
			as := make([]profiles.SSOAssignment, 0, len(accts))
			for _, a := range accts {
				as = append(as, profiles.SSOAssignment{AccountID: a.AccountID, AccountName: a.AccountName, Roles: a.Roles})
			}
			add, kept, err := profiles.PlanSSOProfiles(conf, source, tmpl, prefix, as)
			if err != nil {
				return err
			}
			verb := "added"
			if dryRun {
				verb = "would add"
			}
			for _, p := range add {
				fmt.Fprintf(e.stdout, "+ %s (account %s, role %s)\n", p.Name, p.SSOAccountID, p.SSORoleName)
			}
			if len(add) > 0 && !dryRun {
				if err := profiles.WriteConfigProfiles(cmd.Context(), path, add, false); err != nil {
					return err
				}
			}
			fmt.Fprintf(e.stdout, "%s %d profiles to %s (%d accounts, %d already there)\n", verb, len(add), path, len(accts), kept)
			if len(add) > 0 && !dryRun {
				fmt.Fprintln(e.stdout, "next: spin profiles write")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&tmpl, "template", profiles.DefaultSSONameTemplate, "profile name template")
	cmd.Flags().StringVar(&prefix, "prefix", "", "put this in front of every generated name")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show the profiles that would be added, change nothing")
	return cmd
}
