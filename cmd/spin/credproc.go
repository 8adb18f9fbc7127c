package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/credproc"
)

func newCredentialProcessCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "credential-process PROFILE",
		Short: "Print a profile's credentials for an AWS SDK (credential_process helper)",
		Long: `Print a profile's credentials as credential_process JSON. AWS SDKs and CLIs
run this from ~/.aws/config; 'spin profiles write' adds the lines:

  [profile assume-cloudspin_examples-account]
  credential_process = '/usr/local/bin/spin-credential-process' assume-cloudspin_examples-account

spin-credential-process is the same helper as a lean binary of its own,
which starts faster; this subcommand behaves the same. It asks spind
(starting it if needed) and never reads the keyring itself; it refuses a
socket that is not the user's own, and gives up on a spind that says
nothing for 5s (stopped or hung).
SPIN_SESSION_NAME, when set, names the role session.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lo, err := g.launchOptions(e)
			if err != nil {
				return err
			}
			o := credproc.Options{Profile: args[0], SessionName: e.getenv("SPIN_SESSION_NAME"), Launch: lo}
			if code := credproc.Run(cmd.Context(), o, e.stdout, e.stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}
