package credendpoint

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/signinflow"
)

// ExecOptions say what `spin exec` runs: Argv (none: $SHELL, else
// /bin/sh) with the parent's environment Environ and Profile's sessions.
type ExecOptions struct {
	Profile, Region string
	Argv, Environ   []string
	Stdin           io.Reader
	Stdout, Stderr  io.Writer
}

// Exec is `spin exec`: it refuses to nest, readies the profile on t (a
// prompt inside the child would be swallowed), then runs the child with
// session credentials from c (role sessions named $SPIN_SESSION_NAME)
// and returns its exit code.
func Exec(ctx context.Context, c signinflow.Client, t signinflow.Terminal, o ExecOptions) (int, error) {
	if p := t.Getenv("SPIN_PROFILE"); p != "" {
		return 0, hint.Wrap(fmt.Errorf("%w (profile %s)", ErrNested, p), "exit that shell first")
	}
	if len(o.Argv) == 0 {
		o.Argv = []string{cmp.Or(t.Getenv("SHELL"), "/bin/sh")}
	}
	session := t.Getenv("SPIN_SESSION_NAME")
	if err := signinflow.Ready(ctx, c, t, o.Profile, session, true); err != nil {
		return 0, err
	}
	src := func(ctx context.Context) (api.Credentials, error) {
		return c.SessionCredentials(ctx, o.Profile, session)
	}
	return Run(src, Child{
		Argv: o.Argv, Environ: o.Environ, Profile: o.Profile, Region: o.Region,
		Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr,
	}, slog.New(slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}
