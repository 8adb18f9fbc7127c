package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/version"
)

func newStatusCmd(e *env, g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "status",
		Short:   "Show the sessions spind holds: role, expiry, STS calls, cache hits",
		Example: "  spin status\n  spin status --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client(e)
			if err != nil {
				return err
			}
			defer c.Close()
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			if len(st.Sessions) == 0 {
				fmt.Fprintln(e.stdout, "no sessions held")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROFILE\tSESSION\tROLE\tEXPIRES IN\tSTS CALLS\tCACHE HITS\tLAST ERROR")
			for _, s := range st.Sessions {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Profile, s.SessionName, dash(s.RoleARN),
					time.Until(s.Expiration).Round(time.Second), s.STSCalls, s.CacheHits, dash(s.LastError))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print spin's version, commit, build date and Go version",
		Example: "  spin version\n  spin --version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(e.stdout, version.Get().Line("spin"))
			return nil
		},
	}
}
