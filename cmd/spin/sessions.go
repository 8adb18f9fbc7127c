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
	cmd.AddCommand(&cobra.Command{
		Use:   "clear [PROFILE]",
		Short: "Drop cached role sessions, e.g. after a role's policy changed",
		Example: `  spin sessions clear                                   # every profile
  spin sessions clear assume-cloudspin_examples-account`,
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
			n, err := c.ClearSessions(cmd.Context(), profile)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "cleared %d session(s); the next request makes a new one\n", n)
			return nil
		},
	})
	return cmd
}
