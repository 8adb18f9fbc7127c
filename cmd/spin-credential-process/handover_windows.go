package main

import (
	"context"
	"os"

	"github.com/cloudspin/spin/broker/credproc"
	"github.com/cloudspin/spin/broker/launch"
)

// handOver runs the whole helper in this process: Windows has no exec
// that keeps the process, and a child would be a second caller in spind's
// eyes.
func handOver(r request, _ error) int {
	lo, err := launch.For(r.socket, r.config, os.Getenv)
	if err != nil {
		os.Stderr.WriteString("spin: " + err.Error() + "\n")
		return 1
	}
	return credproc.Run(context.Background(), credproc.Options{Profile: r.profile, SessionName: r.sessionName, Launch: lo}, os.Stdout, os.Stderr)
}
