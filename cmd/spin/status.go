package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/termtext"
	"github.com/cloudspin/spin/internal/version"
)

func newStatusCmd(e *env, g *globals) *cobra.Command {
	var asJSON, callers bool
	cmd := &cobra.Command{
		Use:     "status",
		Short:   "Show the sources (signed in or not) and the sessions spind holds: role, expiry, STS calls, cache hits",
		Example: "  spin status\n  spin status --callers   # the last 10 programs that asked, per profile\n  spin status --json",
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
			if callers && !asJSON {
				return audit.WriteRecent(e.stdout, st.Callers)
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			printNet(e.stdout, st)
			printKeyWarnings(e, st.KeyWarnings) // rotate.go
			for _, src := range st.Sources {
				fmt.Fprintln(e.stdout, sourceLine(src, time.Now()))
			}
			if len(st.Sessions) == 0 {
				fmt.Fprintln(e.stdout, "no sessions held")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROFILE\tSESSION\tROLE\tEXPIRES IN\tSTS CALLS\tCACHE HITS\tLAST ERROR")
			for _, s := range st.Sessions {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Profile, s.SessionName, dash(s.RoleARN),
					time.Until(s.Expiration).Round(time.Second), s.STSCalls, s.CacheHits, dash(termtext.Clean(s.LastError)))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&callers, "callers", false, "show who asked for credentials recently (the last 10 requests per profile; 'spin audit' has all)")
	return cmd
}

// printNet shows where spind's AWS calls go when that is not AWS itself,
// so a forgotten emulator endpoint or proxy is never invisible.
func printNet(w io.Writer, st api.Status) {
	if len(st.Endpoints) == 0 && st.Network == nil {
		return
	}
	fmt.Fprintf(w, "AWS calls go through (from %s):\n", st.NetFrom)
	svcs := make([]string, 0, len(st.Endpoints))
	for s := range st.Endpoints {
		svcs = append(svcs, s)
	}
	sort.Strings(svcs)
	for _, s := range svcs {
		fmt.Fprintf(w, "  %s endpoint: %s\n", s, st.Endpoints[s])
	}
	if n := st.Network; n != nil {
		for _, kv := range [][2]string{{"https_proxy", n.HTTPSProxy}, {"no_proxy", n.NoProxy}, {"ca_bundle", n.CABundle}} {
			if kv[1] != "" {
				fmt.Fprintf(w, "  %s: %s\n", kv[0], kv[1])
			}
		}
	}
}

// sourceLine describes one source: signed in or not, token expiry, last
// refresh and the last error.
func sourceLine(s api.SourceStatus, now time.Time) string {
	line := fmt.Sprintf("source %s (%s): ", s.Name, s.Kind)
	switch {
	case s.Kind != "sso" && s.Kind != "login":
		line += "no sign-in"
	case s.SignedIn && s.Kind == "login":
		line += "signed in as " + s.Principal
		if !s.RenewBy.IsZero() {
			line += ", renew by " + s.RenewBy.Local().Format("2006-01-02 15:04")
		}
		if !s.Expires.IsZero() {
			line += ", console credentials expire in " + s.Expires.Sub(now).Round(time.Second).String()
		}
		line += fmt.Sprintf(", %d refreshes", s.Refreshes)
	case s.SignedIn:
		line += "signed in"
		if !s.Expires.IsZero() {
			line += ", access token expires in " + s.Expires.Sub(now).Round(time.Second).String()
		}
		if !s.LastRefresh.IsZero() {
			line += ", last refresh " + now.Sub(s.LastRefresh).Round(time.Second).String() + " ago"
		}
	case s.Pending:
		line += "not signed in (a sign-in is in progress)"
	default:
		line += "not signed in: run 'spin login " + s.Name + "'"
	}
	if s.LastError != "" {
		line += "; last error: " + termtext.Clean(s.LastError)
	}
	return line
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
