package credexport

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/signinflow"
)

// Options are what `spin export` prints: the profile's credentials for
// role sessions named SessionName, in Format, with Region.
type Options struct {
	Profile, SessionName string
	Format, Region       string
}

// Export is `spin export PROFILE`: the profile readied on t (an MFA code,
// a sign-in), its credentials from spind written to stdout, and a warning
// on stderr when stdout is a terminal.
func Export(ctx context.Context, c signinflow.Client, t signinflow.Terminal, o Options, stdout, stderr io.Writer) error {
	if err := CheckFormat(o.Format); err != nil {
		return hint.Wrap(err, "spin export "+o.Profile+" --format env")
	}
	if err := signinflow.Ready(ctx, c, t, o.Profile, o.SessionName, false); err != nil {
		return err
	}
	creds, err := c.Credentials(ctx, o.Profile, o.SessionName)
	if err != nil {
		return err
	}
	if IsTerminal(stdout) {
		fmt.Fprintln(stderr, Warning(o.Profile, creds, time.Now()))
	}
	return Write(stdout, o.Format, o.Profile, o.Region, creds)
}
