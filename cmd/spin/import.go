package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/hardening"
	"github.com/cloudspin/spin/profiles/keyimport"
)

// Importing moves plaintext keys out of ~/.aws/credentials. The order of
// the steps is what makes a failure part-way lose nothing: the keys are
// stored and read back from spind first, then config.yaml is written, then
// ~/.aws/config, and the plaintext key is removed last.

func newKeysImportCmd(e *env, g *globals) *cobra.Command {
	o := &keyimport.KeySetOptions{}
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
			hardening.ForSecret(e.stderr)
			return keyimport.RunKeySetImport(cmd.Context(), e.getenv, *o, g.keyStore(e), importOut(e))
		},
	}
	cmd.Flags().StringVar(&o.From, "from-credentials-file", "", "the [PROFILE] of the credentials file to import")
	cmd.Flags().StringVar(&o.Name, "name", "", "key set name (default PROFILE)")
	cmd.Flags().BoolVar(&o.Remove, "remove", false, "delete the keys from the credentials file once stored")
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace an existing key set of that name; with --remove, remove the keys even if profiles of ~/.aws/config still name them")
	_ = cmd.MarkFlagRequired("from-credentials-file")
	return cmd
}

// keyStore opens spind for an import.
func (g *globals) keyStore(e *env) keyimport.OpenStore {
	return opener(g, e, func(c *client.Client) keyimport.KeyStore { return c })
}

func importOut(e *env) keyimport.Out { return keyimport.Out{Stdout: e.stdout, Stderr: e.stderr} }

func newProfilesImportCmd(e *env, g *globals) *cobra.Command {
	var force, dryRun bool
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Adopt role_arn + source_profile profiles of ~/.aws/config, moving their keys into the keyring",
		Long: `  spin profiles import --dry-run   # say what would be adopted
  spin profiles import

Adopts the role_arn + source_profile profiles of ~/.aws/config: the source's
keys move from ~/.aws/credentials into the keyring as the key set of that name,
the profile goes into config.yaml (external_id, mfa_serial, role_session_name,
duration_seconds, region, source_identity, and aws-vault's session_tags and
transitive_session_tags carry over) and becomes a spin profile in
~/.aws/config; then the plaintext keys are deleted. A source already stored as a
key set (same key, or its keys already gone from the credentials file) is used as
it is. Profiles without keys anywhere (SSO), or with settings spin does not carry,
are skipped, and their source's keys stay in the credentials file while they
still name it (--force removes them anyway, listing what breaks).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hardening.ForSecret(e.stderr)
			s, err := g.setup(e)
			if err != nil {
				return err
			}
			return keyimport.RunProfilesImport(cmd.Context(), s, e.getenv, force, dryRun, g.keyStore(e), importOut(e))
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace key sets and config.yaml profiles of the same names; remove keys that skipped profiles still name")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be imported without storing or writing anything")
	return cmd
}
