package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/audit"
)

func newAuditCmd(e *env) *cobra.Command {
	var q audit.Query
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show who asked spind for credentials: program, parent chain, profile, session, STS call, outcome",
		Long: `Every credentials request spind answers (or refuses) is appended to its audit
log, ~/.local/state/spin/audit.log ($XDG_STATE_HOME honoured; 0600, rotated at
10 MiB into audit.log.1): the program that asked (the first process above spin's
helper that is not a 'sh -c' wrapper), its parent chain up to your shell, the
profile, the session name, whether AWS was called, and the outcome. It holds no
secret. The executable is what the kernel says; the chain is only as honest as
the user's own processes (see the README).`,
		Example: "  spin audit --since 1h\n  spin audit --profile assume-cloudspin_examples-account --json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return audit.Show(e.stdout, e.getenv, q, time.Now())
		},
	}
	cmd.Flags().StringVar(&q.Since, "since", "", "only requests since a duration ago (15m, 1h, 2d) or a time (RFC 3339)")
	cmd.Flags().StringVar(&q.Profile, "profile", "", "only requests for this profile")
	cmd.Flags().BoolVar(&q.JSON, "json", false, "print a JSON array of records")
	return cmd
}
