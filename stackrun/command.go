package stackrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/ttyprompt"
	"github.com/cloudspin/spin/profiles"
)

// Command is one of spin plan, up, down and output with its flags.
type Command struct {
	Verb             string // plan, up, down or output
	Dir, Environment string
	Tofu             string // --tofu; "" looks for one
	DetailedExitcode bool   // plan
	ShowConfig       bool   // plan
	AutoApprove      bool   // up, down
	JSON             bool   // output
}

// World is what a stack command uses outside the stack's folder.
type World struct {
	// Spin is spin's config and Host the caller's environment; Err, when
	// set, says why either could not be had (reported after the stack's
	// own errors).
	Spin *profiles.Config
	Host Host
	Err  error
	// Daemon starts (if needed) the spind that checks the stack's
	// profiles, and returns its checker and what closes it.
	Daemon func(ctx context.Context) (Checker, func(), error)
	// TTY opens the terminal for questions; an error means there is none.
	TTY            func() (*os.File, error)
	Stdout, Stderr io.Writer
}

// ErrChanges is plan's answer under --detailed-exitcode when there are
// changes (tofu's exit code 2).
var ErrChanges = errors.New("the plan has changes")

// Do runs c.
func Do(ctx context.Context, c Command, w World) error {
	conf, inv, err := prepare(c, w)
	if c.ShowConfig && inv != nil {
		return inv.Show(w.Stdout)
	}
	if c.ShowConfig && conf != nil {
		_ = conf.ShowConfig(w.Stdout) // what loaded, then why spin cannot go on
	}
	if err != nil {
		return err
	}
	r, done, err := newRunner(ctx, c, w, inv, c.Verb == "up" || c.Verb == "down")
	if err != nil {
		return err
	}
	defer done()
	if c.Verb == "plan" || c.AutoApprove {
		if tty, err := w.TTY(); err == nil {
			tty.Close()
		} else {
			// No terminal: a CI log. Say where credentials come from.
			for _, line := range inv.Origins {
				fmt.Fprintf(w.Stderr, "spin %s: %s\n", c.Verb, line)
			}
		}
	}
	switch c.Verb {
	case "plan":
		changes, err := r.Plan(ctx)
		if err == nil && changes && c.DetailedExitcode {
			return ErrChanges
		}
		return err
	case "up":
		return r.Up(ctx, c.AutoApprove)
	case "down":
		return r.Down(ctx, c.AutoApprove)
	}
	out, err := r.Output(ctx)
	if err != nil {
		return err
	}
	return PrintOutputs(w.Stdout, out, c.JSON)
}

// RoleProfiles reads the outputs of the stack in dir (tofu's progress to
// Stderr, so it does not mix with a diff) and returns its role outputs
// and the key set their profiles use: source, else the stack's
// parameters.api_user. It is --from-stack's input.
func RoleProfiles(ctx context.Context, dir, environment, source string, w World) (string, []profiles.StackRole, error) {
	c := Command{Verb: "output", Dir: dir, Environment: environment}
	conf, inv, err := prepare(c, w)
	if err != nil {
		return "", nil, err
	}
	keySet, err := conf.KeySet(source)
	if err != nil {
		return "", nil, err
	}
	r, done, err := newRunner(ctx, c, w, inv, false)
	if err != nil {
		return "", nil, err
	}
	defer done()
	r.Stdout = w.Stderr
	out, err := r.Output(ctx)
	if err != nil {
		return "", nil, err
	}
	roles, skipped := RoleOutputs(out)
	for _, s := range skipped {
		fmt.Fprintf(w.Stderr, "spin: warning: skipped %s\n", s)
	}
	if len(roles) == 0 {
		if len(out) == 0 {
			return "", nil, hint.Wrap(fmt.Errorf("stack %s has no outputs", dir), "apply it first: spin up "+dir)
		}
		return "", nil, hint.Wrap(fmt.Errorf("no output of stack %s is a role ARN named *%s", dir, profiles.RoleOutputSuffix), "'spin output "+dir+"' lists its outputs")
	}
	return keySet, roles, nil
}

// prepare loads the stack and derives what tofu gets. The config is
// returned even when the rest fails, for --show-config.
func prepare(c Command, w World) (*Config, *Invocation, error) {
	conf, err := Load(c.Dir, c.Environment)
	if err != nil {
		return nil, nil, err
	}
	if w.Err != nil {
		return conf, nil, w.Err
	}
	inv, err := Prepare(conf, w.Spin, w.Host)
	return conf, inv, err
}

// newRunner finds the binary, starts spind if the stack uses profiles,
// and opens the terminal for approval questions when ask is set.
func newRunner(ctx context.Context, c Command, w World, inv *Invocation, ask bool) (*Runner, func(), error) {
	bin, err := FindBinary(c.Tofu, w.Host.Getenv)
	if err != nil {
		return nil, nil, err
	}
	tf, err := NewTerraform(inv.Config, bin)
	if err != nil {
		return nil, nil, err
	}
	r := &Runner{TF: tf, Inv: inv, Stdout: w.Stdout, Stderr: w.Stderr}
	var closers []func()
	done := func() {
		for _, c := range closers {
			c()
		}
	}
	if len(inv.Credentials.Uses) > 0 {
		chk, closeIt, err := w.Daemon(ctx)
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, closeIt)
		r.Checker = chk
	}
	if ask && !c.AutoApprove {
		if tty, err := w.TTY(); err == nil {
			closers = append(closers, func() { tty.Close() })
			r.Confirm = TTYConfirm(tty)
		}
	}
	return r, done, nil
}

// TTYConfirm asks on the terminal; only "yes" agrees. Ctrl-C while it
// waits cancels the context, which ends the question (terminal restored).
func TTYConfirm(tty *os.File) func(context.Context, string) (bool, error) {
	return func(ctx context.Context, q string) (bool, error) {
		fmt.Fprintln(tty)
		line, err := ttyprompt.Line(ctx, tty, q)
		if errors.Is(err, ttyprompt.ErrInterrupted) {
			return false, fmt.Errorf("%w while asking", ErrInterrupted)
		}
		if err != nil {
			return false, fmt.Errorf("read the answer: %w", err)
		}
		return line == "yes", nil
	}
}

// PrintOutputs prints outputs as tofu does: name = value, sensitive
// values hidden; with asJSON, the tofu output -json document.
func PrintOutputs(w io.Writer, out map[string]tfexec.OutputMeta, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, name := range slices.Sorted(maps.Keys(out)) {
		v := string(out[name].Value)
		if out[name].Sensitive {
			v = "<sensitive>"
		}
		fmt.Fprintf(w, "%s = %s\n", name, v)
	}
	return nil
}
