package listing

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/profiles/profilecmd"
)

// Run is `spin list`: config.yaml's profiles, sources and key sets, what
// a running spind knows of them, and their state in ~/.aws/config, as a
// table on stdout (notes on stderr) or as JSON.
func Run(ctx context.Context, s *profiles.Setup, d Daemon, stdout, stderr io.Writer, asJSON bool) error {
	in := Input{Config: s.Config}
	states, err := profilecmd.States(ctx, s, profilecmd.Out{Stdout: stdout, Stderr: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "spin: warning: %v\n", err)
	} else {
		in.AWSStates = states
	}
	Ask(ctx, d, &in)
	l := Build(in)
	if asJSON {
		return l.WriteJSON(stdout)
	}
	if len(l.Profiles) == 0 && len(l.Sources) == 0 && len(l.KeySets) == 0 {
		fmt.Fprintf(stderr, "spin: no profiles in %s and no key sets stored\n", s.Config.Path)
		fmt.Fprintln(stderr, "spin: hint: run 'spin keys add NAME', then add a profile (spin help config)")
		return nil
	}
	if err := l.WriteText(stdout, time.Now()); err != nil {
		return err
	}
	switch {
	case l.Spind.Error == NotRunning:
		fmt.Fprintln(stderr, "spin: note: spind is not running: key sets, sign-ins and sessions are unknown")
		fmt.Fprintln(stderr, "spin: hint: run 'spin daemon start'")
	case l.Spind.Locked:
		fmt.Fprintln(stderr, "spin: note: spind is locked: key sets are unknown")
		fmt.Fprintln(stderr, "spin: hint: run 'spin unlock'")
	case l.Spind.Running && l.Spind.Error != "":
		fmt.Fprintf(stderr, "spin: note: key sets are unknown: %s\n", l.Spind.Error)
	case l.Spind.Error != "":
		fmt.Fprintf(stderr, "spin: note: spind did not answer: %s\n", l.Spind.Error)
	}
	return nil
}
