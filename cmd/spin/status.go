package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/broker/keycmd"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/version"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/profiles/profilecmd"
)

func newStatusCmd(e *env, g *globals) *cobra.Command {
	var asJSON, callers bool
	cmd := &cobra.Command{
		Use:     "status",
		Short:   "Show the sources (signed in or not) and the sessions spind holds: role, expiry, STS calls, cache hits",
		Example: "  spin status\n  spin status --callers   # the last 10 programs that asked, per profile\n  spin status --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.spind(e, false)
			if err != nil {
				return err
			}
			defer c.Close()
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			if callers && !asJSON {
				return audit.WriteRecent(e.stdout, st.Callers)
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			if cfg, err := g.loadConfig(e); err == nil {
				credPath, _ := profiles.CredentialsPath(e.getenv)
				profilecmd.PrintShadows(profilecmd.Out{Stdout: e.stdout, Stderr: e.stderr}, cfg, credPath)
			}
			keycmd.PrintWarnings(e.stderr, st.KeyWarnings)
			return apitext.Status(e.stdout, st, time.Now())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&callers, "callers", false, "show who asked for credentials recently (the last 10 requests per profile; 'spin audit' has all)")
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
