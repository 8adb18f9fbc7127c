// Command spin-credential-process is spin's credential_process helper as a
// binary of its own: AWS SDKs start it once per client, so its common path
// (spind has the session: one exchange over the socket) links only
// broker/credask and starts about as fast as an empty Go program. Whatever
// else a request needs (starting spind, an MFA prompt, a sign-in) it hands
// to `spin credential-process` with the same arguments, which does the
// same as this helper and more.
//
//	credential_process = '/usr/local/bin/spin-credential-process' assume-cloudspin_examples-account
//	credential_process = '/usr/local/bin/spin-credential-process' --config '/etc/spin.yaml' my-profile
package main

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/cloudspin/spin/broker/credask"
	"github.com/cloudspin/spin/broker/sock"
	"github.com/cloudspin/spin/internal/version"
)

// main installs no signal handlers: on SIGINT/SIGTERM the helper just dies,
// which is all an SDK waiting on its stdout needs.
func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		os.Stdout.WriteString(version.Get().Line("spin-credential-process") + "\n")
		return
	}
	os.Exit(run(os.Args[1:]))
}

const usage = "usage: spin-credential-process [--config PATH] [--socket PATH] PROFILE\n       spin-credential-process --version\n"

// useLine goes into a usage error, which is one line as every failure of
// the helper: an SDK shows one.
const useLine = "(usage: spin-credential-process [--config PATH] [--socket PATH] PROFILE)\n"

// request is what the command line asks for.
type request struct {
	config, socketFlag string // --config and --socket as given
	socket             string // --socket, else sock.Path's
	profile            string
	sessionName        string // SPIN_SESSION_NAME
}

// run parses arguments by hand: the flag package would be fine, but this
// keeps the helper's import graph to the bone.
func run(args []string) int {
	r := request{sessionName: os.Getenv("SPIN_SESSION_NAME")}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case (a == "--config" || a == "--socket") && i+1 < len(args):
			if a == "--config" {
				r.config = args[i+1]
			} else {
				r.socketFlag = args[i+1]
			}
			i++
		case a == "-h" || a == "--help":
			os.Stdout.WriteString(usage)
			return 0
		case r.profile == "" && a == "":
			// Exit 1, as spin credential-process: the argument is there,
			// only empty (a script's unset variable).
			os.Stderr.WriteString("spin: " + credask.EmptyProfile + "\n")
			return 1
		case r.profile == "" && len(a) > 0 && a[0] != '-':
			r.profile = a
		default:
			os.Stderr.WriteString("spin: unexpected argument " + a + " " + useLine)
			return 2
		}
	}
	if r.profile == "" {
		os.Stderr.WriteString("spin: no profile given " + useLine)
		return 2
	}
	if r.socket = r.socketFlag; r.socket == "" {
		var err error
		if r.socket, err = sock.Path(os.Getenv); err != nil {
			os.Stderr.WriteString("spin: " + err.Error() + "\n")
			return 1
		}
	}
	return fetch(r)
}

// fetch makes the common exchange and ends the run when it settles it: a
// cached session's JSON, or spind's refusal, or a socket that must not
// be used. The rest goes to spin.
func fetch(r request) int {
	deadline := time.Now().Add(credask.Timeout)
	status, body, err := credask.Ask(r.socket, "GET", credask.Path(r.profile, r.sessionName, r.configAbs(), false), nil, credask.AnswerTimeout, deadline)
	switch {
	case errors.Is(err, credask.ErrNoListener):
		return handOver(r, errors.New("spind is not running (socket "+r.socket+")"))
	case err != nil:
		os.Stderr.WriteString(credask.Line(err))
		return 1
	case status == 200 && credask.ProcessJSON(body):
		if body[len(body)-1] != '\n' {
			body = append(body, '\n')
		}
		if _, err := os.Stdout.Write(body); err != nil {
			os.Stderr.WriteString("spin: write credentials: " + err.Error() + "\n")
			return 1
		}
		return 0
	case status == 200:
		// Not spind's own rendering (an older spind): spin decodes and
		// re-encodes it, so the SDK only ever gets well-formed JSON.
		return handOver(r, errors.New("spind's credentials for profile "+r.profile+" are not in the form this helper passes through"))
	case status == 401 && credask.Promptable(body, os.Getenv):
		// An MFA code or a sign-in that can be asked for here: spin asks.
		return handOver(r, credask.Refused(status, body, r.profile))
	default:
		os.Stderr.WriteString(credask.Line(credask.Refused(status, body, r.profile)))
		return 1
	}
}

// configAbs is --config as spind would be started with it: absolute, as
// spin makes it (the lines 'spin profiles write' makes have it so).
func (r request) configAbs() string {
	if r.config == "" || filepath.IsAbs(r.config) {
		return r.config
	}
	if abs, err := filepath.Abs(r.config); err == nil {
		return abs
	}
	return r.config
}

// spinArgs is the command line of `spin credential-process` for the same
// request, global flags first: the form spin answers without building its
// command tree.
func (r request) spinArgs(spin string) []string {
	args := []string{spin}
	if r.config != "" {
		args = append(args, "--config", r.config)
	}
	if r.socketFlag != "" {
		args = append(args, "--socket", r.socketFlag)
	}
	return append(args, "credential-process", r.profile)
}
