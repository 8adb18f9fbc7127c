package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/keyinput"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
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
	name := o.name
	if name == "" {
		name = o.from
	}
	credPath, creds, err := readAWSFile(e, profiles.CredentialsPath)
	if err != nil {
		return err
	}
	c, err := profiles.ReadCredentials(creds, o.from)
	if errors.Is(err, profiles.ErrNoCredentials) {
		return hint.Wrap(fmt.Errorf("%s: %w", credPath, err), "the profile may use SSO or another credential source; add keys with 'spin keys add "+name+"'")
	}
	if err != nil {
		return fmt.Errorf("%s: %w", credPath, err)
	}
	if _, err := keyinput.Check(c.AccessKeyID, c.SecretAccessKey); err != nil {
		return fmt.Errorf("%s: profile %s: %w", credPath, o.from, err)
	}
	if err := profiles.CheckWithSDK(ctx, credPath, c); err != nil {
		return err
	}
	if o.remove { // find out now whether removal will work, before storing anything
		if err := profiles.ParseAWSConfig(creds.Render()).RemoveCredentials(o.from, c.AccessKeyID); err != nil {
			return fmt.Errorf("%s: %w", credPath, err)
		}
	}
	_, conf, err := readAWSFile(e, profiles.AWSConfigPath)
	if err != nil {
		return err
	}
	c.Profile = name
	key := profiles.KeyImport{Credentials: c, MFASerial: profiles.MFASerialOf(conf, creds, o.from)}
	backend, err := storeKeys(ctx, e, g, []profiles.KeyImport{key}, o.force)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "stored key set %s (%s) from [%s] of %s in the %s keyring\n", name, secret.MaskKeyID(c.AccessKeyID), o.from, credPath, backend)
	if !o.remove {
		fmt.Fprintf(e.stderr, "spin: note: the plaintext key is still in %s\n", credPath)
		fmt.Fprintf(e.stderr, "spin: hint: run 'spin keys import --from-credentials-file %s --name %s --remove --force' to delete it\n", o.from, name)
		return nil
	}
	c.Profile = o.from
	return removeCredentials(ctx, e, credPath, []profiles.KeyImport{{Credentials: c}})
}

// readAWSFile reads and parses the AWS file pathFn locates; a missing file
// is an empty one.
func readAWSFile(e *env, pathFn func(func(string) string) (string, error)) (string, *profiles.AWSConfig, error) {
	path, err := pathFn(e.getenv)
	if err != nil {
		return "", nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	return path, profiles.ParseAWSConfig(data), nil
}

// storeKeys stores each key set through spind and reads the list back, so
// the plaintext is removed only once spind holds the key. Without force, an
// existing key set of any of the names stops it before anything is stored.
func storeKeys(ctx context.Context, e *env, g *globals, keys []profiles.KeyImport, force bool) (backend string, err error) {
	c, err := g.daemon(ctx, e)
	if err != nil {
		return "", err
	}
	defer c.Close()
	listed := func() (map[string]api.KeyInfo, error) {
		list, err := c.ListKeys(ctx)
		m := map[string]api.KeyInfo{}
		for _, k := range list {
			m[k.Name] = k
		}
		return m, err
	}
	have, err := listed()
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if _, ok := have[k.Profile]; ok && !force {
			return "", hint.Wrap(fmt.Errorf("key set %s already exists", k.Profile), "add --force to replace it (nothing was changed)")
		}
	}
	for _, k := range keys {
		err := c.PutKey(ctx, k.Profile, api.KeyRequest{
			AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, MFASerial: k.MFASerial, Force: force,
		})
		if err != nil {
			return "", fmt.Errorf("store key set %s: %w (nothing was removed)", k.Profile, err)
		}
	}
	if have, err = listed(); err != nil {
		return "", err
	}
	for _, k := range keys {
		if got := have[k.Profile].AccessKeyID; got != secret.MaskKeyID(k.AccessKeyID) {
			return "", fmt.Errorf("spind does not list key set %s with key %s after storing it (it lists %q); nothing was removed", k.Profile, secret.MaskKeyID(k.AccessKeyID), got)
		}
	}
	st, err := c.Status(ctx)
	return st.Backend, err
}

// removeCredentials deletes the stored keys from the credentials file and
// warns where the same secret is still written.
func removeCredentials(ctx context.Context, e *env, credPath string, keys []profiles.KeyImport) error {
	u, err := profiles.UpdateCredentials(ctx, credPath, func(doc *profiles.AWSConfig) ([]string, error) {
		var names []string
		for _, k := range keys {
			if err := doc.RemoveCredentials(k.Profile, k.AccessKeyID); err != nil {
				return nil, err
			}
			names = append(names, k.Profile)
		}
		return names, nil
	})
	if err != nil {
		return hint.Wrap(fmt.Errorf("the keys are stored, but removing them failed: %w", err), "fix it and run 'spin keys import --from-credentials-file SOURCE --remove --force', or delete them from "+credPath+" yourself")
	}
	after := profiles.ParseAWSConfig(u.New)
	for _, k := range keys {
		fmt.Fprintf(e.stdout, "removed the keys of [%s] from %s\n", k.Profile, u.Path)
		if lines := after.LinesContaining(k.SecretAccessKey.Reveal()); len(lines) > 0 {
			fmt.Fprintf(e.stderr, "spin: warning: the secret of [%s] is still in %s at line %v (another profile or a comment)\n", k.Profile, u.Path, lines)
		}
	}
	return nil
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
	s, err := loadProfilesSetup(e, g)
	if err != nil {
		return err
	}
	_, conf, err := readAWSFile(e, profiles.AWSConfigPath)
	if err != nil {
		return err
	}
	credPath, creds, err := readAWSFile(e, profiles.CredentialsPath)
	if err != nil {
		return err
	}
	plan, err := profiles.PlanImport(conf, creds, s.cfg, o.force)
	var pe *profiles.ProfileExistsError
	if errors.As(err, &pe) {
		return hint.Wrap(err, "rename them in "+s.awsPath+" or remove them from "+pe.Path+", or replace them with --force (nothing was changed)")
	}
	if err != nil {
		return err
	}
	for _, k := range plan.Skipped {
		fmt.Fprintf(e.stderr, "spin: warning: skipped %s\n", k)
	}
	if len(plan.Profiles) == 0 {
		fmt.Fprintf(e.stderr, "spin: no role_arn + source_profile profiles to import from %s\n", s.awsPath)
		return nil
	}
	add := make([]profiles.Profile, len(plan.Profiles))
	for i, p := range plan.Profiles {
		add[i] = p.Profile
	}
	// Check every step that can be checked before anything is stored.
	cur, err := os.ReadFile(s.cfg.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if _, err := profiles.InsertProfiles(s.cfg.Path, cur, add, o.force); err != nil {
		return err
	}
	for _, k := range plan.Keys {
		if _, err := keyinput.Check(k.AccessKeyID, k.SecretAccessKey); err != nil {
			return fmt.Errorf("%s: profile %s: %w", credPath, k.Profile, err)
		}
		if err := profiles.CheckWithSDK(ctx, credPath, k.Credentials); err != nil {
			return err
		}
	}
	verb := "imported"
	if o.dryRun {
		verb = "would import"
	} else {
		if _, err := storeKeys(ctx, e, g, plan.Keys, o.force); err != nil {
			return err
		}
		if err := profiles.WriteConfigProfiles(s.cfg.Path, add, o.force); err != nil {
			return hint.Wrap(fmt.Errorf("the keys are stored, but %w", err), "fix it and run 'spin profiles import --force' again")
		}
		if err := adoptProfiles(ctx, s, plan.Profiles); err != nil {
			return hint.Wrap(fmt.Errorf("the keys are stored and %s has the profiles, but %w", s.cfg.Path, err), "fix it and run 'spin profiles import --force' again")
		}
	}
	for _, p := range plan.Profiles {
		fmt.Fprintf(e.stdout, "%s profile %s (key set %s, role %s)\n", verb, p.Profile.Name, p.Profile.Source, p.Profile.RoleARN)
		if p.Comments > 0 {
			fmt.Fprintf(e.stderr, "spin: note: profile %s: the rewrite drops %d comment lines inside its section (the old file is kept in %s.spin.bak)\n", p.Profile.Name, p.Comments, s.awsPath)
		}
	}
	if o.dryRun {
		fmt.Fprintln(e.stdout, "dry run: nothing stored or written")
		return nil
	}
	return removeCredentials(ctx, e, credPath, plan.Keys)
}

// adoptProfiles rewrites the imported profiles of ~/.aws/config as spin
// profiles, with config.yaml (now holding them) resolving their regions.
func adoptProfiles(ctx context.Context, s *profilesSetup, imported []profiles.ProfileImport) error {
	cfg, err := profiles.Load(s.cfg.Path)
	if err != nil {
		return err
	}
	want := make([]profiles.AWSProfile, len(imported))
	for i, p := range imported {
		r, err := cfg.Resolve(p.Profile.Name)
		if err != nil {
			return err
		}
		want[i] = profiles.AWSProfile{Name: p.Profile.Name, Region: r.Region}
	}
	_, err = profiles.UpdateAWSConfig(ctx, s.awsPath, false, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
		return profiles.AdoptProfiles(doc, s.helper, want, imported)
	})
	return err
}
