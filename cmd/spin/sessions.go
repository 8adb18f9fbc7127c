package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newSessionsCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Manage the role sessions spind holds",
	}
	var mfa bool
	clearCmd := &cobra.Command{
		Use:   "clear [PROFILE]",
		Short: "Drop cached role sessions, e.g. after a role's policy changed (--mfa: the MFA sessions too)",
		Example: `  spin sessions clear                                   # every profile
  spin sessions clear assume-cloudspin_examples-account
  spin sessions clear --mfa                             # and the MFA sessions: the next call asks for a code`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.spind(e, false)
			if err != nil {
				return err
			}
			defer c.Close()
			profile := ""
			if len(args) == 1 {
				profile = args[0]
			}
			n, err := c.Clear(cmd.Context(), profile, mfa)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "cleared %d session(s); the next request makes a new one\n", n.Cleared)
			if mfa {
				fmt.Fprintf(e.stdout, "cleared %d MFA session(s); the next new session asks for a code\n", n.MFACleared)
			}
			return nil
		},
	}
	clearCmd.Flags().BoolVar(&mfa, "mfa", false, "also drop the MFA sessions (the profile's key set's, or all)")
	cmd.AddCommand(clearCmd)
	return cmd
}
