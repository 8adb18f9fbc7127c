package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
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
	force, prune, dryRun bool
	stack                fromStackOptions
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
			return profilesWrite(cmd.Context(), e, g, o, diff)
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
		cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "say what would change without writing")
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "replace profiles of the same names that spin did not write")
	cmd.Flags().BoolVar(&o.prune, "prune", false, "remove profiles spin wrote that config.yaml no longer defines")
	addFromStackFlags(cmd.Flags(), &o.stack)
	return cmd
}

func profilesWrite(ctx context.Context, e *env, g *globals, o *profilesWriteOptions, diff bool) error {
	if o.stack != (fromStackOptions{}) {
		return profilesFromStack(ctx, e, g, o, diff)
	}
	s, err := g.setup(e)
	if err != nil {
		return err
	}
	return profilesSync(ctx, e, s, o, diff)
}

// profilesSync writes s.Config's profiles into the AWS config file, or with
// diff prints the change.
func profilesSync(ctx context.Context, e *env, s *profiles.Setup, o *profilesWriteOptions, diff bool) error {
	if !s.Config.Exists {
		return hint.Wrap(fmt.Errorf("%s does not exist", s.Config.Path), "define your profiles there; 'spin profiles write --help' shows what spin writes")
	}
	for _, w := range s.Config.Warnings {
		fmt.Fprintf(e.stderr, "spin: warning: %s\n", w)
	}
	want, err := s.Config.AWSProfiles()
	if err != nil {
		return err
	}
	u, err := profiles.UpdateAWSConfig(ctx, s.AWSPath, o.dryRun || diff, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
		return profiles.Sync(doc, s.Helper, want, profiles.SyncOptions{Force: o.force, Prune: o.prune})
	})
	printFileWarnings(e, u)
	if err != nil {
		return profilesError(err, s.AWSPath)
	}
	if diff {
		fmt.Fprint(e.stdout, profiles.UnifiedDiff(u.Path, u.Path+" (after spin profiles write)", u.Old, u.New))
		return nil
	}
	bootstrap := map[string]bool{}
	for _, p := range want {
		bootstrap[p.Name] = p.Bootstrap
	}
	for _, ch := range u.Changes {
		switch ch.Action {
		case profiles.Added, profiles.Updated, profiles.Removed:
			verb := ch.Action.String()
			if o.dryRun {
				verb = "would " + map[profiles.Action]string{profiles.Added: "add", profiles.Updated: "update", profiles.Removed: "remove"}[ch.Action]
			}
			fmt.Fprintf(e.stdout, "%s profile %s\n", verb, ch.Name)
			if bootstrap[ch.Name] && ch.Action != profiles.Removed {
				fmt.Fprintf(e.stderr, "spin: warning: profile %s has no role_arn: it hands out an MFA session, or the key set's long-term keys if 'spin keys allow-export' allowed that\n", ch.Name)
			}
		case profiles.Stale:
			fmt.Fprintf(e.stderr, "spin: warning: profile %s was written by spin but %s no longer defines it\n", ch.Name, s.Config.Path)
			fmt.Fprintf(e.stderr, "spin: hint: run 'spin profiles remove %s' or 'spin profiles write --prune'\n", ch.Name)
		}
	}
	switch {
	case u.Written && u.Backup != "":
		fmt.Fprintf(e.stdout, "wrote %s (previous content in %s)\n", u.Path, u.Backup)
	case u.Written:
		fmt.Fprintf(e.stdout, "wrote %s\n", u.Path)
	case o.dryRun && string(u.Old) != string(u.New):
		fmt.Fprintf(e.stdout, "dry run: %s not written\n", u.Path)
	default:
		fmt.Fprintf(e.stdout, "%s is up to date (%d spin profiles)\n", u.Path, len(want))
	}
	return nil
}

func newProfilesListCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the profiles in ~/.aws/config and spin's state for each",
		Long: `  spin profiles list

Lists every profile of the AWS config file, then the profiles of spin's
config.yaml that the file lacks. MANAGED says whether spin wrote it; STATE
is "up to date", "outdated" or "not written" (run 'spin profiles write'),
"stale" (config.yaml no longer defines it), "conflict" (spin did not write
it, but config.yaml defines it) or "duplicate".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.setup(e)
			if err != nil {
				return err
			}
			want, err := s.Config.AWSProfiles()
			if err != nil {
				return err
			}
			var rows []profiles.ProfileState
			u, err := profiles.UpdateAWSConfig(cmd.Context(), s.AWSPath, true, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
				rows, err = profiles.ListProfiles(doc, s.Helper, want)
				return nil, err
			})
			printFileWarnings(e, u)
			if err != nil {
				return profilesError(err, s.AWSPath)
			}
			if len(rows) == 0 {
				fmt.Fprintf(e.stderr, "spin: no profiles in %s or %s\n", s.AWSPath, s.Config.Path)
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROFILE\tMANAGED\tSTATE\tLINE")
			for _, r := range rows {
				line := "-"
				if r.Line > 0 {
					line = strconv.Itoa(r.Line)
				}
				managed := map[bool]string{true: "yes", false: "no"}[r.Managed]
				if r.Line == 0 {
					managed = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, managed, apitext.Dash(r.State), line)
			}
			return tw.Flush()
		},
	}
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
			name := args[0]
			awsPath, err := profiles.AWSConfigPath(e.getenv)
			if err != nil {
				return err
			}
			u, err := profiles.UpdateAWSConfig(cmd.Context(), awsPath, false, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
				return []profiles.Change{{Name: name, Action: profiles.Removed}}, doc.RemoveProfile(name)
			})
			var ue *profiles.UnmanagedError
			if errors.As(err, &ue) {
				return hint.Wrap(err, "spin removes only profiles it wrote; edit "+awsPath+" yourself")
			}
			if err != nil {
				return profilesError(err, awsPath)
			}
			fmt.Fprintf(e.stdout, "removed profile %s from %s\n", name, u.Path)
			if s, err := g.setup(e); err == nil && s.Config.Profiles[name].Name != "" {
				fmt.Fprintf(e.stderr, "spin: note: %s still defines %s: the next 'spin profiles write' adds it back\n", s.Config.Path, name)
			}
			return nil
		},
	}
}

func printFileWarnings(e *env, u *profiles.Update) {
	if u == nil {
		return
	}
	for _, w := range u.Warnings {
		fmt.Fprintf(e.stderr, "spin: warning: %s\n", w)
	}
}

// profilesError adds the next step to the editor's errors.
func profilesError(err error, awsPath string) error {
	var ue *profiles.UnmanagedError
	var de *profiles.DuplicateError
	switch {
	case errors.As(err, &ue):
		return hint.Wrap(err, "rename the profile in spin's config.yaml, or replace it with 'spin profiles write --force' (the old file is kept in config.spin.bak)")
	case errors.As(err, &de):
		return hint.Wrap(err, "edit "+awsPath+", then run 'spin profiles write' again")
	case errors.Is(err, profiles.ErrNoProfile):
		return hint.Wrap(err, "'spin profiles list' shows the profiles")
	case errors.Is(err, fs.ErrPermission):
		return hint.Wrap(err, "check the file and its directory: ls -l, and lsattr for the immutable flag")
	}
	return err
}
