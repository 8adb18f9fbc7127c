// Command spin-credential-process is spin's credential_process helper as a
// binary of its own: AWS SDKs start it once per client, so it links only
// what fetching credentials from spind needs (no CLI framework, no
// net/http, no keyring) and starts in about twice the time of an empty Go
// program. `spin credential-process` does the same, more slowly.
//
//	credential_process = '/usr/local/bin/spin-credential-process' assume-cloudspin_examples-account
//	credential_process = '/usr/local/bin/spin-credential-process' --config '/etc/spin.yaml' my-profile
package main

import (
	"context"
	"os"

	"github.com/cloudspin/spin/broker/credproc"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/version"
)

// main installs no signal handlers: on SIGINT/SIGTERM the helper just dies,
// which is all an SDK waiting on its stdout needs.
func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		os.Stdout.WriteString(version.Get().Line("spin-credential-process") + "\n")
		return
	}
	os.Exit(run(context.Background(), os.Args[1:]))
}

const usage = "usage: spin-credential-process [--config PATH] [--socket PATH] PROFILE\n       spin-credential-process --version\n"

// run parses arguments by hand: the flag package would be fine, but this
// keeps the helper's import graph to the bone.
func run(ctx context.Context, args []string) int {
	var config, socket, profile string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case (a == "--config" || a == "--socket") && i+1 < len(args):
			if a == "--config" {
				config = args[i+1]
			} else {
				socket = args[i+1]
			}
			i++
		case a == "-h" || a == "--help":
			os.Stdout.WriteString(usage)
			return 0
		case profile == "" && len(a) > 0 && a[0] != '-':
			profile = a
		default:
			os.Stderr.WriteString("spin: unexpected argument " + a + "; " + usage)
			return 2
		}
	}
	if profile == "" {
		os.Stderr.WriteString("spin: no profile given; " + usage)
		return 2
	}
	lo, err := launch.For(socket, config, os.Getenv)
	if err != nil {
		os.Stderr.WriteString("spin: " + err.Error() + "\n")
		return 1
	}
	return credproc.Run(ctx, credproc.Options{Profile: profile, SessionName: os.Getenv("SPIN_SESSION_NAME"), Launch: lo}, os.Stdout, os.Stderr)
}
