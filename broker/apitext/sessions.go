package apitext

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/termtext"
)

// Sessions is the table of sessions spind holds (`spin status`, `spin
// sessions list`): profile, session name, role, time left, STS calls,
// cache hits and the last error (and how long ago).
func Sessions(w io.Writer, sessions []api.SessionStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tSESSION\tROLE\tEXPIRES IN\tSTS CALLS\tCACHE HITS\tLAST ERROR")
	for _, s := range sessions {
		lastErr := termtext.Clean(s.LastError)
		if lastErr != "" && !s.LastErrorAt.IsZero() {
			lastErr = ago(s.LastErrorAt, now) + ": " + lastErr
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Profile, s.SessionName, Dash(s.RoleARN),
			s.Expiration.Sub(now).Round(time.Second), s.STSCalls, s.CacheHits, Dash(lastErr))
	}
	return tw.Flush()
}
