package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/signinflow"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/stackrun"
)

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
	cmd.Flags().BoolVar(&o.DetailedExitcode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when none")
	cmd.Flags().BoolVar(&o.ShowConfig, "show-config", false, "print the merged config with each value's origin and what tofu gets, then stop")
	return cmd
}

func newUpCmd(e *env, g *globals) *cobra.Command {
	cmd, o := newStackCmd(e, g, "up", "Plan a stack instance, ask, and apply the plan",
		`  spin up                                    # shows the plan, asks on the terminal
  spin up examples/00-iam-roles --auto-approve
`+stackIntro+`
Without a terminal to ask on, up needs --auto-approve. Ctrl-C stops tofu
cleanly: it gets SIGINT and releases the state lock.`)
	cmd.Flags().BoolVar(&o.AutoApprove, "auto-approve", false, "apply without asking")
	return cmd
}

func newDownCmd(e *env, g *globals) *cobra.Command {
	cmd, o := newStackCmd(e, g, "down", "Destroy a stack instance's resources",
		`  spin down                                  # shows what goes, asks on the terminal
  spin down examples/offline-demo --auto-approve
`+stackIntro+`
Without a terminal to ask on, down needs --auto-approve.`)
	cmd.Flags().BoolVar(&o.AutoApprove, "auto-approve", false, "destroy without asking")
	return cmd
}

func newOutputCmd(e *env, g *globals) *cobra.Command {
	cmd, o := newStackCmd(e, g, "output", "Print a stack instance's outputs",
		`  spin output
  spin output examples/00-iam-roles --json   # as tofu output -json prints them
`+stackIntro+`

output reads state only, so it downloads no provider: a stack without a
backend block needs no init, and for another backend init sets up only the
backend (-plugin-dir of an empty folder). 'spin plan' later runs the full init.`)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	return cmd
}

// newStackCmd builds one of the stack commands with the flags they share.
func newStackCmd(e *env, g *globals, verb, short, long string) (*cobra.Command, *stackrun.Command) {
	o := &stackrun.Command{Verb: verb, Dir: "."}
	cmd := &cobra.Command{
		Use:   verb + " [DIR]",
		Short: short,
		Long:  long,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Dir = args[0]
			}
			err := stackrun.Do(cmd.Context(), *o, g.stackWorld(e))
			if errors.Is(err, stackrun.ErrChanges) {
				return &exitError{code: 2}
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&o.Environment, "environment", "e", "", "also merge environments/stack-instance-`ENV`.yaml")
	cmd.Flags().StringVar(&o.Tofu, "tofu", "", "OpenTofu or Terraform binary (default $SPIN_TF_BINARY, else tofu, else terraform on PATH)")
	return cmd, o
}

// stackWorld is what the stack commands use besides the stack: spin's
// config, this environment, spind (started when the stack uses profiles)
// and the terminal.
func (g *globals) stackWorld(e *env) stackrun.World {
	w := stackrun.World{Host: stackrun.Host{Getenv: e.getenv}, TTY: e.tty, Stdout: e.stdout, Stderr: e.stderr}
	w.Spin, w.Err = g.loadConfig(e)
	if w.Err == nil {
		var lo launch.Options
		lo, w.Err = g.launchOptions(e)
		w.Host.Socket = lo.Socket
	}
	if w.Err == nil {
		w.Host.AWSConfigFile, w.Err = profiles.AWSConfigPath(e.getenv)
	}
	w.Daemon = opener(g, e, func(c *client.Client) stackrun.Checker { return signinflow.Checker{C: c, T: e.terminal()} })
	return w
}
