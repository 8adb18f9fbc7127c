package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/doctor"
	"github.com/cloudspin/spin/profiles"
)

func newDoctorCmd(e *env, g *globals) *cobra.Command {
	var offline bool
	cmd := &cobra.Command{
		Use:     "doctor",
		Short:   "Check spin's setup and say how to fix what is wrong",
		Example: "  spin doctor\n  spin doctor --offline   # no calls to AWS",
		Long: `Check, one line each with the fix: spind up and the same version as spin,
socket permissions, the keyring backend reachable and unlocked, each key set
accepted by STS (GetCallerIdentity through spind: a wrong secret or an access
key deleted in IAM fails here) and present for the profiles naming it, the
profiles in ~/.aws/config pointing at this spin, plaintext keys left in
~/.aws/credentials, in ~/.aws/config or in copies of the AWS files
(config.spin.bak, credentials.spin.bak, temp files), tofu or terraform
found, and the clock against STS. --offline skips the calls to AWS (key
sets, clock).
Exits 1 if anything failed. Does not start spind.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d := doctor.Deps{Getenv: e.getenv, Setup: func() (*profiles.Setup, error) { return g.setup(e) }, Offline: offline}
			c, err := g.spind(e, false)
			if err == nil {
				defer c.Close()
				d.Daemon = c
			}
			d.DaemonErr = err
			if doctor.Print(e.stdout, doctor.Run(cmd.Context(), d)) {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&offline, "offline", false, "skip the checks that call AWS (key sets with GetCallerIdentity, the clock)")
	return cmd
}
