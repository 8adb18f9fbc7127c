package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/credendpoint"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

func newExecCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exec PROFILE [-- CMD [ARGS...]]",
		Short: "Run a command (default: your shell) with a profile's refreshing credentials",
		Example: `  spin exec assume-cloudspin_examples-account -- aws s3 ls
  spin exec assume-cloudspin_examples-account -- terraform plan
  spin exec assume-cloudspin_examples-account            # a shell`,
		Long: `Run CMD with credentials served from a container-credentials endpoint on
127.0.0.1 (AWS_CONTAINER_CREDENTIALS_FULL_URI plus a random
AWS_CONTAINER_AUTHORIZATION_TOKEN), for tools that do not read
~/.aws/config. Sessions refresh for as long as CMD runs; the endpoint
closes when it exits. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_PROFILE and friends are removed from CMD's
environment, since they would outrank the endpoint. CMD's exit code is
spin's. Nesting is refused.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile, argv := args[0], args[1:]
			if cmd.ArgsLenAtDash() > 1 {
				return fmt.Errorf("exec takes one profile before --")
			}
			if p := e.getenv("SPIN_PROFILE"); p != "" {
				return hint.Wrap(fmt.Errorf("%w (profile %s)", credendpoint.ErrNested, p), "exit that shell first")
			}
			if len(argv) == 0 {
				argv = []string{cmp.Or(e.getenv("SHELL"), "/bin/sh")}
			}
			return execRun(cmd.Context(), e, g, profile, argv)
		},
	}
}

func execRun(ctx context.Context, e *env, g *globals, profile string, argv []string) error {
	c, err := g.daemon(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()
	sessionName := e.getenv("SPIN_SESSION_NAME")
	if err := ensureMFA(ctx, e, c, profile, sessionName); err != nil {
		return err
	}
	srv, err := credendpoint.Start(func(ctx context.Context) (api.Credentials, error) {
		return c.Credentials(ctx, profile, sessionName)
	}, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return fmt.Errorf("start the credentials endpoint: %w", err)
	}
	defer srv.Close()
	childEnv, err := credendpoint.Env(os.Environ(), srv, profile, profileRegion(e, g, profile))
	if err != nil {
		return err
	}
	child := exec.Command(argv[0], argv[1:]...)
	child.Env = childEnv
	child.Stdin, child.Stdout, child.Stderr = e.stdin, e.stdout, e.stderr
	// spin stays up to serve the child until it exits. Ctrl-C and Ctrl-\
	// reach the child from the terminal already (same process group):
	// forwarding them too would make tofu/terraform see two interrupts and
	// exit at once, leaving the state lock. Other signals are passed on.
	// (Caught, not ignored: an ignored signal would stay ignored in the child.)
	terminal := make(chan os.Signal, 4)
	signal.Notify(terminal, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(terminal)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		return fmt.Errorf("exec %s: %w", argv[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = child.Process.Signal(s)
			case <-terminal:
			case <-done:
				return
			}
		}
	}()
	err = child.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &exitError{code: 128 + int(ws.Signal())}
		}
		return &exitError{code: ee.ExitCode()}
	}
	return err
}

// profileRegion is the profile's region from spin's config, if it has one.
func profileRegion(e *env, g *globals, profile string) string {
	path := g.config
	if path == "" {
		var err error
		if path, err = profiles.DefaultConfigPath(e.getenv); err != nil {
			return ""
		}
	}
	conf, err := profiles.Load(path)
	if err != nil {
		return ""
	}
	r, err := conf.Resolve(profile)
	if err != nil {
		return ""
	}
	return r.Region
}
