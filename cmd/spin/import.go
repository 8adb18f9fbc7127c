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
keeping every other byte, and without a backup: it would keep the plaintext key.
While a profile of ~/.aws/config still names PROFILE as its source_profile, the
keys stay in the file (that profile would break): 'spin profiles import' adopts
such profiles and then removes them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hardenForSecret(e)
			return keysImport(cmd.Context(), e, g, o)
		},
	}
	cmd.Flags().StringVar(&o.from, "from-credentials-file", "", "the [PROFILE] of the credentials file to import")
	cmd.Flags().StringVar(&o.name, "name", "", "key set name (default PROFILE)")
	cmd.Flags().BoolVar(&o.remove, "remove", false, "delete the keys from the credentials file once stored")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace an existing key set of that name; with --remove, remove the keys even if profiles of ~/.aws/config still name them")
	_ = cmd.MarkFlagRequired("from-credentials-file")
	return cmd
}

func keysImport(ctx context.Context, e *env, g *globals, o *keysImportOptions) error {
	name := cmp.Or(o.name, o.from)
	credPath, confPath, err := awsPaths(e)
	if err != nil {
		return err
	}
	imp, err := keyimport.PlanKeySetImport(ctx, credPath, confPath, o.from, name, o.remove, o.force)
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
	keyimport.PrintUsers(e.stderr, o.from, credPath, imp.Users, imp.Keep, "run 'spin profiles import': it adopts them and then removes the keys; or remove the keys anyway with --force")
	if !o.remove {
		fmt.Fprintf(e.stderr, "spin: note: the plaintext key is still in %s\n", credPath)
		fmt.Fprintf(e.stderr, "spin: hint: run 'spin keys import --from-credentials-file %s --name %s --remove --force' to delete it\n", o.from, name)
	}
	keyimport.PrintRemovals(e.stdout, e.stderr, removed)
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
duration_seconds, region and source_identity carry over) and becomes a spin profile in
~/.aws/config; then the plaintext keys are deleted. A source already stored as a
key set (same key, or its keys already gone from the credentials file) is used as
it is. Profiles without keys anywhere (SSO), or with settings spin does not carry,
are skipped, and their source's keys stay in the credentials file while they
still name it (--force removes them anyway, listing what breaks).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hardenForSecret(e)
			return profilesImport(cmd.Context(), e, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "replace key sets and config.yaml profiles of the same names; remove keys that skipped profiles still name")
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
	c, err := g.daemon(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()
	imp, err := keyimport.PlanProfilesImport(ctx, s.Config, s.Helper, s.AWSPath, credPath, c, o.force)
	if err != nil {
		return err
	}
	for _, k := range imp.Skipped {
		fmt.Fprintf(e.stderr, "spin: warning: skipped %s\n", k)
	}
	if len(imp.Profiles) == 0 {
		fmt.Fprintf(e.stderr, "spin: no role_arn + source_profile or SSO profiles to import from %s\n", s.AWSPath)
		return nil
	}
	var removed []keyimport.Removal
	if !o.dryRun {
		if removed, err = imp.Apply(ctx, c); err != nil {
			return err
		}
	}
	imp.Report(e.stdout, e.stderr, o.dryRun, removed)
	return nil
}
