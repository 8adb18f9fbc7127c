package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/ttyprompt"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/stackrun"
)

// stackOptions are the flags of plan, up, down and output.
type stackOptions struct {
	dir, environment, tofu string
	detailedExitcode       bool // plan
	showConfig             bool // plan
	autoApprove            bool // up, down
	json                   bool // output
}

const stackIntro = `
DIR is the stack folder (default: the current one). spin merges its
stack-instance-defaults.yaml, stack-instance-local.yaml and, with
--environment ENV, environments/stack-instance-ENV.yaml; maps every role ARN
in them to the spin profile with that role_arn; checks with spind that each
profile gets credentials; and runs OpenTofu (--tofu, $SPIN_TF_BINARY, else
tofu or terraform on PATH) with AWS_PROFILE and a -backend-config profile,
never with keys or an ARN to assume. init runs when the backend config
changed.`

func newPlanCmd(e *env, g *globals) *cobra.Command {
	cmd, o := newStackCmd(e, g, "plan", "Show what 'spin up' would change in a stack instance",
		`  spin plan                                  # the stack in this folder
  spin plan examples/00-iam-roles --environment prod
  spin plan --detailed-exitcode              # exit 0: no changes, 2: changes, 1: error
  spin plan --show-config                    # the merged config, where each value came from
`+stackIntro)
	cmd.Flags().BoolVar(&o.detailedExitcode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when none")
	cmd.Flags().BoolVar(&o.showConfig, "show-config", false, "print the merged config with each value's origin and what tofu gets, then stop")
	return cmd
}

func newUpCmd(e *env, g *globals) *cobra.Command {
	cmd, o := newStackCmd(e, g, "up", "Plan a stack instance, ask, and apply the plan",
		`  spin up                                    # shows the plan, asks on the terminal
  spin up examples/00-iam-roles --auto-approve
`+stackIntro+`
Without a terminal to ask on, up needs --auto-approve. Ctrl-C stops tofu
cleanly: it gets SIGINT and releases the state lock.`)
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking")
	return cmd
}

func newDownCmd(e *env, g *globals) *cobra.Command {
	cmd, o := newStackCmd(e, g, "down", "Destroy a stack instance's resources",
		`  spin down                                  # shows what goes, asks on the terminal
  spin down examples/offline-demo --auto-approve
`+stackIntro+`
Without a terminal to ask on, down needs --auto-approve.`)
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "destroy without asking")
	return cmd
}

func newOutputCmd(e *env, g *globals) *cobra.Command {
	cmd, o := newStackCmd(e, g, "output", "Print a stack instance's outputs",
		`  spin output
  spin output examples/00-iam-roles --json   # as tofu output -json prints them
`+stackIntro)
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// newStackCmd builds one of the stack commands with the flags they share.
func newStackCmd(e *env, g *globals, verb, short, long string) (*cobra.Command, *stackOptions) {
	o := &stackOptions{dir: "."}
	cmd := &cobra.Command{
		Use:   verb + " [DIR]",
		Short: short,
		Long:  long,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.dir = args[0]
			}
			return stackDo(cmd.Context(), e, g, o, verb)
		},
	}
	cmd.Flags().StringVarP(&o.environment, "environment", "e", "", "also merge environments/stack-instance-`ENV`.yaml")
	cmd.Flags().StringVar(&o.tofu, "tofu", "", "OpenTofu or Terraform binary (default $SPIN_TF_BINARY, else tofu, else terraform on PATH)")
	return cmd, o
}

func stackDo(ctx context.Context, e *env, g *globals, o *stackOptions, verb string) error {
	c, inv, err := prepareStack(e, g, o)
	if o.showConfig && inv != nil {
		return inv.Show(e.stdout)
	}
	if o.showConfig && c != nil {
		_ = c.ShowConfig(e.stdout) // what loaded, then why spin cannot go on
	}
	if err != nil {
		return err
	}
	r, done, err := newStackRunner(ctx, e, g, o, inv, verb == "up" || verb == "down")
	if err != nil {
		return err
	}
	defer done()
	if verb == "plan" || o.autoApprove {
		if tty, err := e.tty(); err == nil {
			tty.Close()
		} else {
			// No terminal: a CI log. Say where credentials come from.
			for _, line := range inv.Origins {
				fmt.Fprintf(e.stderr, "spin %s: %s\n", verb, line)
			}
		}
	}
	switch verb {
	case "plan":
		changes, err := r.Plan(ctx)
		if err == nil && changes && o.detailedExitcode {
			return &exitError{code: 2}
		}
		return err
	case "up":
		return r.Up(ctx, o.autoApprove)
	case "down":
		return r.Down(ctx, o.autoApprove)
	}
	out, err := r.Output(ctx)
	if err != nil {
		return err
	}
	return printOutputs(e, out, o.json)
}

// prepareStack loads the stack and spin's config and derives what tofu
// gets. The config is returned even when the rest fails, for --show-config.
func prepareStack(e *env, g *globals, o *stackOptions) (*stackrun.Config, *stackrun.Invocation, error) {
	c, err := stackrun.Load(o.dir, o.environment)
	if err != nil {
		return nil, nil, err
	}
	spin, err := g.loadConfig(e)
	host := stackrun.Host{Getenv: e.getenv}
	if err == nil {
		host.Socket, err = g.socketPath(e)
	}
	if err == nil {
		host.AWSConfigFile, err = profiles.AWSConfigPath(e.getenv)
	}
	if err != nil {
		return c, nil, err
	}
	inv, err := stackrun.Prepare(c, spin, host)
	return c, inv, err
}

// newStackRunner finds the binary, starts spind if the stack uses
// profiles, and opens the terminal for approval questions.
func newStackRunner(ctx context.Context, e *env, g *globals, o *stackOptions, inv *stackrun.Invocation, ask bool) (*stackrun.Runner, func(), error) {
	bin, err := stackrun.FindBinary(o.tofu, e.getenv)
	if err != nil {
		return nil, nil, err
	}
	tf, err := stackrun.NewTerraform(inv.Config, bin)
	if err != nil {
		return nil, nil, err
	}
	r := &stackrun.Runner{TF: tf, Inv: inv, Stdout: e.stdout, Stderr: e.stderr}
	var closers []func()
	done := func() {
		for _, c := range closers {
			c()
		}
	}
	if len(inv.Credentials.Uses) > 0 {
		c, err := g.daemon(ctx, e)
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, c.Close)
		r.Checker = mfaChecker{e, c}
	}
	if ask && !o.autoApprove {
		if tty, err := e.tty(); err == nil {
			closers = append(closers, func() { tty.Close() })
			r.Confirm = ttyConfirm(tty)
		}
	}
	return r, done, nil
}

// mfaChecker is the preflight check through spind; when a profile needs
// an MFA code it asks on the terminal now, before tofu starts, since a
// prompt inside tofu would be swallowed.
type mfaChecker struct {
	e *env
	c *client.Client
}

func (m mfaChecker) Check(ctx context.Context, profile, session string) error {
	return ensureMFA(ctx, m.e, m.c, profile, session, false)
}

// ttyConfirm asks on the terminal; only "yes" agrees. Ctrl-C while it
// waits cancels the context, which ends the question (terminal restored).
func ttyConfirm(tty *os.File) func(context.Context, string) (bool, error) {
	return func(ctx context.Context, q string) (bool, error) {
		fmt.Fprintln(tty)
		line, err := ttyprompt.Line(ctx, tty, q)
		if errors.Is(err, ttyprompt.ErrInterrupted) {
			return false, fmt.Errorf("%w while asking", stackrun.ErrInterrupted)
		}
		if err != nil {
			return false, fmt.Errorf("read the answer: %w", err)
		}
		return line == "yes", nil
	}
}

// printOutputs prints outputs as tofu does: name = value, sensitive
// values hidden; with asJSON, the tofu output -json document.
func printOutputs(e *env, out map[string]tfexec.OutputMeta, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, name := range slices.Sorted(maps.Keys(out)) {
		v := string(out[name].Value)
		if out[name].Sensitive {
			v = "<sensitive>"
		}
		fmt.Fprintf(e.stdout, "%s = %s\n", name, v)
	}
	return nil
}
