package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/credask"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/cliusage"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/signinflow"
	"github.com/cloudspin/spin/internal/ttyprompt"
	"github.com/cloudspin/spin/internal/version"
	"github.com/cloudspin/spin/profiles"
)

// env is everything a command reads from or writes to the outside world,
// so commands are tested with buffers and a fake environment.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	tty    ttyprompt.TTY // the controlling terminal, for prompts
}

func newEnv() *env {
	return &env{
		getenv: os.Getenv,
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		tty:    ttyprompt.ControllingTTY,
	}
}

// globals are the root's persistent flags.
type globals struct {
	config string
	socket string
}

func run(ctx context.Context, args []string, e *env) int {
	if g, profile, ok := helperCall(args); ok {
		return exitCode(credentialProcess(ctx, e, g, profile), e)
	}
	return exitCode(execute(ctx, args, e), e)
}

// exitCode is the exit code for a command's error, which it prints
// unless the command has.
func exitCode(err error, e *env) int {
	if err == nil {
		return 0
	}
	var ex *exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	if errors.Is(err, ttyprompt.ErrInterrupted) {
		// Ctrl-C at a prompt: the prompt has ended its line; say no more.
		return ttyprompt.ExitInterrupted
	}
	hint.Print(e.stderr, err)
	if _, ok := errors.AsType[*cliusage.Error](err); ok {
		return cliusage.ExitCode
	}
	return 1
}

// execute runs the command args name in spin's command tree.
func execute(ctx context.Context, args []string, e *env) error {
	root := newRootCmd(e)
	cliusage.Strict(root)
	// After Strict: an empty PROFILE is its own error, not a miscount.
	cliusage.RefuseEmpty(root, "PROFILE", errors.New(credask.EmptyProfile))
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	return root.ExecuteContext(ctx)
}

// exitError ends the process with code after the command printed its own
// message (credential-process prints exactly one line).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func newRootCmd(e *env) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "spin",
		Short: "Short-lived AWS credentials from keys kept in your OS keyring",
		Long: `spin keeps your IAM user's long-term keys in the OS keyring, hands AWS SDKs
and CLIs short-lived role sessions through credential_process, and keeps
them fresh through long OpenTofu/Terraform applies.

  spin daemon start                     # start spind (once per login)
  spin keys add cloudspin_user          # store the user's keys in the keyring
  spin profiles write                   # config.yaml's profiles into ~/.aws/config
  aws s3 ls --profile assume-cloudspin_examples-account
  spin status                           # sessions held, expiry, STS calls

Profiles live in ~/.config/spin/config.yaml ('spin help config').`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Runnable only for --version; cobra's own version flag would need
		// the version (a read of the executable for unstamped builds) on
		// every run.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if v, _ := cmd.Flags().GetBool("version"); v {
				fmt.Fprintln(e.stdout, version.Get().Line("spin"))
				return nil
			}
			return cmd.Help()
		},
	}
	root.Flags().Bool("version", false, "print spin's version, commit, build date and Go version")
	root.PersistentFlags().StringVar(&g.config, "config", "", "spin config file (default $SPIN_CONFIG or ~/.config/spin/config.yaml)")
	root.PersistentFlags().StringVar(&g.socket, "socket", "", "spind socket (default $SPIN_SOCKET or $XDG_RUNTIME_DIR/spin/broker.sock)")
	root.AddCommand(
		newKeysCmd(e, g),
		newDaemonCmd(e, g),
		newUnlockCmd(e, g),
		newLockCmd(e, g),
		newCredentialProcessCmd(e, g),
		newStatusCmd(e, g), newAuditCmd(e),
		newProfilesCmd(e, g),
		newVersionCmd(e),
		newMFACmd(e, g),
		newLoginCmd(e, g), newLogoutCmd(e, g),
		newSessionsCmd(e, g),
		newExecCmd(e, g), newConsoleCmd(e, g), newExportCmd(e, g),
		newDoctorCmd(e, g),
		newPlanCmd(e, g), newUpCmd(e, g), newDownCmd(e, g), newOutputCmd(e, g),
		newDocsCmd(e),
	)
	extendRoot(root, e, g)
	return root
}

// setup is what the profile commands work from: spin's config.yaml
// (--config, else $SPIN_CONFIG or the default path) and the AWS files.
func (g *globals) setup(e *env) (*profiles.Setup, error) {
	path, err := profiles.ConfigPath(g.config, e.getenv)
	if err != nil {
		return nil, err
	}
	return profiles.LoadSetup(path, e.getenv)
}

// loadConfig loads spin's config.yaml; a missing file gives the defaults.
func (g *globals) loadConfig(e *env) (*profiles.Config, error) {
	path, err := profiles.ConfigPath(g.config, e.getenv)
	if err != nil {
		return nil, err
	}
	return profiles.Load(path)
}

// launchOptions is how to reach spind, and start it with --config.
func (g *globals) launchOptions(e *env) (launch.Options, error) {
	return launch.For(g.socket, g.config, e.getenv)
}

// spind is a client for spind on the socket that, with start, starts
// spind at its first request.
func (g *globals) spind(e *env, start bool) (*client.Client, error) {
	o, err := g.launchOptions(e)
	if err != nil {
		return nil, err
	}
	if start {
		return client.Starting(o), nil
	}
	return client.New(o.Socket), nil
}

// withSpind is a RunE that hands f a client for spind (see spind).
func (g *globals) withSpind(e *env, start bool, f func(ctx context.Context, c *client.Client, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := g.spind(e, start)
		if err != nil {
			return err
		}
		defer c.Close()
		return f(cmd.Context(), c, args)
	}
}

// opener opens spind for a package's flow, which asks for it only when it
// needs it; as says what the flow sees of the client.
func opener[T any](g *globals, e *env, as func(*client.Client) T) func(context.Context) (T, func(), error) {
	return func(context.Context) (T, func(), error) {
		c, err := g.spind(e, true)
		if err != nil {
			var none T
			return none, nil, err
		}
		return as(c), c.Close, nil
	}
}

// terminal is where a flow asks the person at this terminal.
func (e *env) terminal() signinflow.Terminal { return signinflow.OnTTY(e.tty, e.getenv) }
