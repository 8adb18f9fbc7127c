package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/profiles/profilecmd"
)

func newProfilesGenerateCmd(e *env, g *globals) *cobra.Command {
	var o profilecmd.GenerateOptions
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
			conf, err := g.loadConfig(e)
			if err != nil {
				return err
			}
			lister := opener(g, e, func(c *client.Client) profilecmd.SSOLister { return c })
			return profilecmd.Generate(cmd.Context(), conf, args[0], lister, o, profilecmd.Out{Stdout: e.stdout, Stderr: e.stderr})
		},
	}
	cmd.Flags().StringVar(&o.Template, "template", profiles.DefaultSSONameTemplate, "profile name template")
	cmd.Flags().StringVar(&o.Prefix, "prefix", "", "put this in front of every generated name")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "show the profiles that would be added, change nothing")
	return cmd
}
