package main

import (
	"cmp"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/profiles/keyimport"
)

// Importing moves plaintext keys out of ~/.aws/credentials. The order of
// the steps is what makes a failure part-way lose nothing: the keys are
// stored and read back from spind first, then config.yaml is written, then
// ~/.aws/config, and the plaintext key is removed last.

type keysImportOptions struct {
	from, name    string
	remove, force bool
}

func newKeysImportCmd(e *env, g *globals) *cobra.Command {
	o := &keysImportOptions{}
	cmd := &cobra.Command{
		Use:   "import --from-credentials-file PROFILE",
		Short: "Move a key pair from ~/.aws/credentials into the OS keyring",
		Example: `  spin keys import --from-credentials-file cloudspin_user --remove
  spin keys import --from-credentials-file old_admin --name bootstrap_admin`,
		Long: `Stores PROFILE's keys from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
default ~/.aws/credentials) through spind as key set NAME (default PROFILE),
with the profile's mfa_serial. Temporary keys are refused. --remove then deletes
them from the file (the whole [PROFILE] section if nothing else is in it),
keeping every other byte, and without a backup: it would keep the plaintext key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hardenForSecret(e)
			return keysImport(cmd.Context(), e, g, o)
		},
	}
	cmd.Flags().StringVar(&o.from, "from-credentials-file", "", "the [PROFILE] of the credentials file to import")
	cmd.Flags().StringVar(&o.name, "name", "", "key set name (default PROFILE)")
	cmd.Flags().BoolVar(&o.remove, "remove", false, "delete the keys from the credentials file once stored")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace an existing key set of that name")
	_ = cmd.MarkFlagRequired("from-credentials-file")
	return cmd
}

func keysImport(ctx context.Context, e *env, g *globals, o *keysImportOptions) error {
	name := cmp.Or(o.name, o.from)
	credPath, confPath, err := awsPaths(e)
	if err != nil {
		return err
	}
	imp, err := keyimport.PlanKeySetImport(ctx, credPath, confPath, o.from, name, o.remove)
	if err != nil {
		return err
	}
	c, err := g.daemon(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()
	backend, removed, err := imp.Apply(ctx, c, o.force)
	if backend != "" {
		fmt.Fprintf(e.stdout, "stored key set %s (%s) from [%s] of %s in the %s keyring\n", name, secret.MaskKeyID(imp.Key.AccessKeyID), o.from, credPath, backend)
	}
	if err != nil {
		return err
	}
	if !o.remove {
		fmt.Fprintf(e.stderr, "spin: note: the plaintext key is still in %s\n", credPath)
		fmt.Fprintf(e.stderr, "spin: hint: run 'spin keys import --from-credentials-file %s --name %s --remove --force' to delete it\n", o.from, name)
	}
	printRemovals(e, removed)
	return nil
}

// awsPaths are the AWS credentials and config files, as AWS tools find them.
func awsPaths(e *env) (cred, conf string, err error) {
	if cred, err = profiles.CredentialsPath(e.getenv); err != nil {
		return "", "", err
	}
	conf, err = profiles.AWSConfigPath(e.getenv)
	return cred, conf, err
}

// printRemovals says which plaintext keys are gone, and warns where the
// same secret is still written.
func printRemovals(e *env, removed []keyimport.Removal) {
	for _, r := range removed {
		fmt.Fprintf(e.stdout, "removed the keys of [%s] from %s\n", r.Profile, r.Path)
		if len(r.StillAt) > 0 {
			fmt.Fprintf(e.stderr, "spin: warning: the secret of [%s] is still in %s at line %v (another profile or a comment)\n", r.Profile, r.Path, r.StillAt)
		}
	}
}

type profilesImportOptions struct{ force, dryRun bool }

func newProfilesImportCmd(e *env, g *globals) *cobra.Command {
	o := &profilesImportOptions{}
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Adopt role_arn + source_profile profiles of ~/.aws/config, moving their keys into the keyring",
		Long: `  spin profiles import --dry-run   # say what would be adopted
  spin profiles import

Adopts the role_arn + source_profile profiles of ~/.aws/config: the source's
keys move from ~/.aws/credentials into the keyring as the key set of that name,
the profile goes into config.yaml (external_id, mfa_serial, role_session_name,
duration_seconds and region carry over) and becomes a spin profile in
~/.aws/config; then the plaintext keys are deleted. Profiles without keys in the
credentials file (SSO), or with settings spin does not carry, are skipped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hardenForSecret(e)
			return profilesImport(cmd.Context(), e, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "replace key sets and config.yaml profiles of the same names")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "say what would be imported without storing or writing anything")
	return cmd
}

func profilesImport(ctx context.Context, e *env, g *globals, o *profilesImportOptions) error {
	s, err := g.setup(e)
	if err != nil {
		return err
	}
	credPath, _, err := awsPaths(e)
	if err != nil {
		return err
	}
	imp, err := keyimport.PlanProfilesImport(ctx, s.Config, s.Helper, s.AWSPath, credPath, o.force)
	if err != nil {
		return err
	}
	for _, k := range imp.Skipped {
		fmt.Fprintf(e.stderr, "spin: warning: skipped %s\n", k)
	}
	if len(imp.Profiles) == 0 {
		fmt.Fprintf(e.stderr, "spin: no role_arn + source_profile profiles to import from %s\n", s.AWSPath)
		return nil
	}
	verb := "would import"
	var removed []keyimport.Removal
	if !o.dryRun {
		c, err := g.daemon(ctx, e)
		if err != nil {
			return err
		}
		defer c.Close()
		if removed, err = imp.Apply(ctx, c); err != nil {
			return err
		}
		verb = "imported"
	}
	for _, p := range imp.Profiles {
		fmt.Fprintf(e.stdout, "%s profile %s (key set %s, role %s)\n", verb, p.Profile.Name, p.Profile.Source, p.Profile.RoleARN)
		if p.Comments > 0 {
			fmt.Fprintf(e.stderr, "spin: note: profile %s: the rewrite drops %d comment lines inside its section (the old file is kept in %s.spin.bak)\n", p.Profile.Name, p.Comments, s.AWSPath)
		}
	}
	if o.dryRun {
		fmt.Fprintln(e.stdout, "dry run: nothing stored or written")
	}
	printRemovals(e, removed)
	return nil
}
