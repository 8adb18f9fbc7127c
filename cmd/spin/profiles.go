package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/profiles/profilecmd"
	"github.com/cloudspin/spin/stackrun"
)

func newProfilesCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "Write spin's profiles into ~/.aws/config",
		Long: `  spin profiles write              # add or update spin's profiles in ~/.aws/config
  spin profiles diff               # show what write would change
  spin profiles list               # every profile in the file, and spin's state for it
  spin profiles remove old-profile # drop a profile spin wrote
  spin profiles import             # adopt role_arn + source_profile profiles, keys into the keyring

spin renders each profile of its config.yaml as a credential_process profile
that runs spin's credential helper. Everything else in the file stays byte for byte.
AWS_CONFIG_FILE names another file, as it does for AWS tools.`,
	}
	cmd.AddCommand(newProfilesWriteCmd(e, g, false), newProfilesWriteCmd(e, g, true), newProfilesListCmd(e, g), newProfilesRemoveCmd(e, g), newProfilesImportCmd(e, g), newProfilesGenerateCmd(e, g))
	return cmd
}

type profilesWriteOptions struct {
	profilecmd.WriteOptions
	stack fromStackOptions
}

// newProfilesWriteCmd builds `write`, or `diff` (a dry run that prints a
// unified diff) when diff is set.
func newProfilesWriteCmd(e *env, g *globals, diff bool) *cobra.Command {
	o := &profilesWriteOptions{}
	cmd := &cobra.Command{
		Use:   "write",
		Short: "Add or update spin's profiles in ~/.aws/config",
		Long: `  spin profiles write
  spin profiles write --dry-run    # say what would change, write nothing
  spin profiles write --force      # also replace profiles spin did not write
  spin --config ./spin.yaml profiles write

Renders every profile of spin's config.yaml into the AWS config file:

  [profile assume-cloudspin_examples-account]
  ` + profiles.Marker + `
  credential_process = '/usr/local/bin/spin-credential-process' assume-cloudspin_examples-account
  region = eu-west-1

The helper is spin-credential-process from spin's directory, else spin
itself ('/usr/local/bin/spin' credential-process NAME). A profile of the same name that spin did not write is left alone unless
--force is given. The file is locked, checked with the AWS SDK's own loader,
and replaced atomically; the previous content stays in config.spin.bak.
Running it again without changes writes nothing.
` + fromStackHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Diff = diff
			return profilesWrite(cmd.Context(), e, g, o)
		},
	}
	if diff {
		cmd.Use, cmd.Short = "diff", "Show what 'spin profiles write' would change, as a unified diff"
		cmd.Long = `  spin profiles diff
  spin profiles diff --force --prune

Prints the change 'spin profiles write' (with the same flags) would make to
the AWS config file. It writes nothing, not even the lock file.
` + fromStackHelp
	} else {
		cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "say what would change without writing")
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace profiles of the same names that spin did not write")
	cmd.Flags().BoolVar(&o.Prune, "prune", false, "remove profiles spin wrote that config.yaml no longer defines")
	addFromStackFlags(cmd.Flags(), &o.stack)
	return cmd
}

func profilesWrite(ctx context.Context, e *env, g *globals, o *profilesWriteOptions) error {
	if o.stack != (fromStackOptions{}) && o.stack.dir == "" {
		return hint.Wrap(errors.New("--environment, --source and --name-template go with --from-stack"), "name the stack folder: --from-stack DIR")
	}
	s, err := g.setup(e)
	if err != nil {
		return err
	}
	out := profilecmd.Out{Stdout: e.stdout, Stderr: e.stderr}
	o.CredentialsPath, _ = profiles.CredentialsPath(e.getenv)
	if o.stack.dir == "" {
		return profilecmd.Write(ctx, s, o.WriteOptions, out)
	}
	st := profilecmd.StackRoles{NameTemplate: o.stack.nameTemplate}
	st.Source, st.Roles, err = stackrun.RoleProfiles(ctx, o.stack.dir, o.stack.environment, o.stack.source, g.stackWorld(e))
	if err != nil {
		return err
	}
	return profilecmd.WriteFromStack(ctx, s, st, o.WriteOptions, out)
}

func newProfilesListCmd(e *env, g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the profiles in ~/.aws/config and spin's state for each",
		Long: `  spin profiles list
  spin profiles list --json    # [{"name", "managed", "state", "line"}]

Lists every profile of the AWS config file, then the profiles of spin's
config.yaml that the file lacks. MANAGED says whether spin wrote it; STATE
is "up to date", "outdated" or "not written" (run 'spin profiles write'),
"stale" (config.yaml no longer defines it), "conflict" (spin did not write
it, but config.yaml defines it) or "duplicate". In JSON, state is "" for
your own profiles and line is left out for profiles the file lacks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.setup(e)
			if err != nil {
				return err
			}
			return profilecmd.List(cmd.Context(), s, profilecmd.Out{Stdout: e.stdout, Stderr: e.stderr}, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func newProfilesRemoveCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a profile spin wrote from ~/.aws/config",
		Long: `  spin profiles remove assume-cloudspin_examples-account

Removes a profile that spin wrote (it carries spin's marker comment). Profiles
spin did not write are never removed. If config.yaml still defines the
profile, the next 'spin profiles write' adds it back.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			awsPath, err := profiles.AWSConfigPath(e.getenv)
			if err != nil {
				return err
			}
			setup := func() (*profiles.Setup, error) { return g.setup(e) }
			return profilecmd.Remove(cmd.Context(), awsPath, args[0], setup, profilecmd.Out{Stdout: e.stdout, Stderr: e.stderr})
		},
	}
}
