package credendpoint

import (
	"fmt"
	"io"
	"log/slog"
	"os/exec"
)

// Child is what `spin exec` runs: Argv with the parent's environment
// (Environ, os.Environ()), the profile and its region, and its stdio.
type Child struct {
	Argv            []string
	Environ         []string
	Profile, Region string
	Stdin           io.Reader
	Stdout, Stderr  io.Writer
}

// Run serves src's credentials to the child from an endpoint of its own
// for as long as the child runs (its warnings to logger), and returns the
// child's exit code (see Supervise). The endpoint closes when the child
// exits.
func Run(src Source, c Child, logger *slog.Logger) (int, error) {
	srv, err := Start(src, logger)
	if err != nil {
		return 0, fmt.Errorf("start the credentials endpoint: %w", err)
	}
	defer srv.Close()
	env, err := Env(c.Environ, srv, c.Profile, c.Region)
	if err != nil {
		return 0, err
	}
	child := exec.Command(c.Argv[0], c.Argv[1:]...)
	child.Env = env
	child.Stdin, child.Stdout, child.Stderr = c.Stdin, c.Stdout, c.Stderr
	return Supervise(child)
}
