package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/doctor"
	"github.com/cloudspin/spin/profiles"
)

func newDoctorCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "doctor",
		Short:   "Check spin's setup and say how to fix what is wrong",
		Example: "  spin doctor",
		Long: `Check, one line each with the fix: spind up and the same version as spin,
socket permissions, the keyring backend reachable and unlocked, the
profiles in ~/.aws/config pointing at this spin, plaintext keys left in
~/.aws/credentials or in copies of the AWS files (config.spin.bak,
credentials.spin.bak, temp files), tofu or terraform found, and the clock
against STS.
Exits 1 if anything failed. Does not start spind.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d := doctor.Deps{Getenv: e.getenv, Setup: func() (*profiles.Setup, error) { return g.setup(e) }}
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
}
