package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/credproc"
	"github.com/cloudspin/spin/internal/cliusage"
)

func newCredentialProcessCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "credential-process PROFILE",
		Short: "Print a profile's credentials for an AWS SDK (credential_process helper)",
		Long: `Print a profile's credentials as credential_process JSON. AWS SDKs and CLIs
run this from ~/.aws/config; 'spin profiles write' adds the lines:

  [profile assume-cloudspin_examples-account]
  credential_process = '/usr/local/bin/spin-credential-process' assume-cloudspin_examples-account

spin-credential-process is the same helper as a lean binary of its own,
which starts faster; this subcommand behaves the same. It asks spind
(starting it if needed) and never reads the keyring itself; it refuses a
socket that is not the user's own, and gives up on a spind that says
nothing for 5s (stopped or hung).
SPIN_SESSION_NAME, when set, names the role session.`,
		Annotations: map[string]string{cliusage.OneLine: "yes"},
		Args:        cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// As on helperCall's path, SIGINT and SIGTERM end the helper
			// (its exchange with spind does not watch the context); the MFA
			// prompt and the sign-in catch them while they run.
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			return credentialProcess(cmd.Context(), e, g, args[0])
		},
	}
}

// credentialProcess is the subcommand's work, on cobra's path and on
// helperCall's.
func credentialProcess(ctx context.Context, e *env, g *globals, profile string) error {
	lo, err := g.launchOptions(e)
	if err != nil {
		return err
	}
	o := credproc.Options{Profile: profile, SessionName: e.getenv("SPIN_SESSION_NAME"), Launch: lo}
	if code := credproc.Run(ctx, o, e.stdout, e.stderr); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// helperCall recognises the command lines an SDK runs spin with, from the
// credential_process lines 'spin profiles write' makes (`spin [--config
// PATH] credential-process PROFILE`; --socket as the lean helper takes
// it), so that run skips building the command tree for them: an SDK
// starts the helper once per client, and building and walking the tree
// is about half a millisecond of a cold process (issue 16). Any other
// form, `credential-process --help` or a flag after the subcommand, goes
// through cobra, which parses these the same way
// (TestHelperCallAsCobra).
func helperCall(args []string) (g *globals, profile string, ok bool) {
	g = &globals{}
	for len(args) > 2 && (args[0] == "--config" || args[0] == "--socket") && !dashed(args[1]) {
		if args[0] == "--config" {
			g.config = args[1]
		} else {
			g.socket = args[1]
		}
		args = args[2:]
	}
	if len(args) != 2 || args[0] != "credential-process" || args[1] == "" || dashed(args[1]) {
		return nil, "", false
	}
	return g, args[1], true
}

func dashed(arg string) bool { return len(arg) > 0 && arg[0] == '-' }
