package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/signinflow"
)

func newMFACmd(e *env, g *globals) *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "mfa PROFILE",
		Short: "Enter an MFA code once; spind keeps the MFA session in memory",
		Example: `  spin mfa assume-cloudspin_examples-account
  oathtool --totp -b "$SEED" | spin mfa assume-cloudspin_examples-account --stdin`,
		Long: `Ask for an MFA code on the terminal and hand it to spind, which calls
GetSessionToken and keeps that session (mfa_duration, default 12h) in
memory only. Role sessions for every profile of the same key set are then
made and refreshed from it without asking again until it ends.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile := args[0]
			var code string
			if fromStdin {
				line, err := bufio.NewReader(e.stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("read the MFA code from stdin: %w", err)
				}
				code = strings.TrimSpace(line)
			} else {
				var err error
				if code, err = signinflow.PromptMFACode(cmd.Context(), e.terminal(), profile); err != nil {
					return err
				}
			}
			c, err := g.spind(e, true)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.MFA(cmd.Context(), profile, code); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "MFA session ready for profile %s\n", profile)
			return nil
		},
	}
	cmd.Flags().BoolVar(&fromStdin, "stdin", false, "read the code from stdin")
	return cmd
}
