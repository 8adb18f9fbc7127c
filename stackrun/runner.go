package stackrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/cloudspin/spin/internal/hint"
)

// Terraform is what the runner needs of a tofu/terraform driver;
// *tfexec.Terraform is one, tests use a fake.
type Terraform interface {
	Init(ctx context.Context, opts ...tfexec.InitOption) error
	Plan(ctx context.Context, opts ...tfexec.PlanOption) (bool, error)
	Apply(ctx context.Context, opts ...tfexec.ApplyOption) error
	Destroy(ctx context.Context, opts ...tfexec.DestroyOption) error
	Output(ctx context.Context, opts ...tfexec.OutputOption) (map[string]tfexec.OutputMeta, error)
	Version(ctx context.Context, skipCache bool) (*version.Version, map[string]*version.Version, error)
	SetEnv(env map[string]string) error
	SetStdout(w io.Writer)
	SetStderr(w io.Writer)
}

var _ Terraform = (*tfexec.Terraform)(nil)

// NewTerraform returns the terraform-exec driver for binary in the stack's
// folder.
func NewTerraform(c *Config, binary string) (*tfexec.Terraform, error) {
	return tfexec.NewTerraform(c.Dir, binary)
}

// Runner runs one stack instance's commands. Output streams live to
// Stdout and Stderr. Cancelling the context makes terraform-exec send tofu
// SIGINT, so tofu stops cleanly and releases its state lock.
type Runner struct {
	TF  Terraform
	Inv *Invocation
	// Checker, when set, is asked for every profile the stack uses before
	// tofu starts, so a broken setup fails in a second rather than deep in
	// an apply. nil skips the check.
	Checker Checker
	Stdout  io.Writer
	Stderr  io.Writer
	// Confirm asks the user a yes/no question on the terminal; nil means
	// there is none, and up/down then require auto-approval.
	Confirm func(ctx context.Context, question string) (bool, error)
	// TempDir is where spin makes its own temp dir for the var-file and
	// the saved plan; "" means os.TempDir().
	TempDir string

	out    io.Writer // Stdout behind the lock the two streams share
	errOut io.Writer // Stderr behind the same lock
	// stateOnly: the command only reads state (output), so the folder
	// needs the backend, not the providers (ensureBackend).
	stateOnly bool
}

// work is the temp files of one run.
type work struct {
	varFile string // "" without parameters
	plan    string
}

// Plan runs tofu plan and reports whether it found changes.
func (r *Runner) Plan(ctx context.Context) (changes bool, err error) {
	err = r.run(ctx, func(ctx context.Context, w work) error {
		changes, err = r.plan(ctx, w, false)
		return err
	})
	return changes, err
}

// Up plans, shows the plan (tofu prints it), asks unless autoApprove,
// and applies exactly the saved plan.
func (r *Runner) Up(ctx context.Context, autoApprove bool) error {
	if err := r.canApprove("up", autoApprove); err != nil {
		return err
	}
	return r.run(ctx, func(ctx context.Context, w work) error {
		return r.planAndApply(ctx, w, false, autoApprove)
	})
}

// Down destroys the instance. With autoApprove it runs tofu destroy;
// otherwise it plans the destruction, asks, and applies that plan.
func (r *Runner) Down(ctx context.Context, autoApprove bool) error {
	if err := r.canApprove("down", autoApprove); err != nil {
		return err
	}
	return r.run(ctx, func(ctx context.Context, w work) error {
		if !autoApprove {
			return r.planAndApply(ctx, w, true, false)
		}
		var opts []tfexec.DestroyOption
		if w.varFile != "" {
			opts = append(opts, tfexec.VarFile(w.varFile))
		}
		return tfError("destroy", r.TF.Destroy(ctx, opts...))
	})
}

// Output returns the instance's outputs, as tofu output -json has them.
// It reads state only, so no provider is installed for it (ensureBackend).
func (r *Runner) Output(ctx context.Context) (out map[string]tfexec.OutputMeta, err error) {
	r.stateOnly = true
	defer func() { r.stateOnly = false }()
	err = r.run(ctx, func(ctx context.Context, _ work) error {
		// terraform-exec copies the JSON to the stdout set here too.
		r.TF.SetStdout(io.Discard)
		defer r.TF.SetStdout(r.out)
		out, err = r.TF.Output(ctx)
		return tfError("output", err)
	})
	return out, err
}

func (r *Runner) canApprove(cmd string, autoApprove bool) error {
	if autoApprove || r.Confirm != nil {
		return nil
	}
	return &hint.Error{
		Err:  fmt.Errorf("spin %s asks before changing anything, and there is no terminal to ask on", cmd),
		Next: fmt.Sprintf("review the changes with 'spin plan', then run 'spin %s --auto-approve'", cmd),
	}
}

func (r *Runner) plan(ctx context.Context, w work, destroy bool) (bool, error) {
	opts := []tfexec.PlanOption{tfexec.Out(w.plan)}
	if w.varFile != "" {
		opts = append(opts, tfexec.VarFile(w.varFile))
	}
	if destroy {
		opts = append(opts, tfexec.Destroy(true))
	}
	changes, err := r.TF.Plan(ctx, opts...)
	return changes, tfError("plan", err)
}

func (r *Runner) planAndApply(ctx context.Context, w work, destroy, autoApprove bool) error {
	changes, err := r.plan(ctx, w, destroy)
	if err != nil || !changes {
		return err
	}
	if !autoApprove {
		what := "Apply this plan to"
		if destroy {
			what = "Destroy"
		}
		q := fmt.Sprintf("%s %s, instance %s? Only 'yes' goes ahead: ", what, r.Inv.Config.Name, r.Inv.Config.Group)
		ok, err := r.Confirm(ctx, q)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("nothing changed: the answer was not 'yes'")
		}
	}
	return tfError("apply", r.TF.Apply(ctx, tfexec.DirOrPlan(w.plan)))
}

// run checks the profiles, sets up the driver, inits when needed, and
// calls fn with the temp files, which are removed afterwards.
func (r *Runner) run(ctx context.Context, fn func(context.Context, work) error) error {
	if err := r.Inv.checkEnv(); err != nil {
		return err
	}
	if err := r.preflight(ctx); err != nil {
		return err
	}
	if err := r.TF.SetEnv(r.Inv.Env); err != nil {
		return err
	}
	// terraform-exec copies the two pipes in two goroutines, and the
	// caller may have given the same writer for both.
	mu := &sync.Mutex{}
	r.out, r.errOut = lockedWriter{mu, r.Stdout}, lockedWriter{mu, r.Stderr}
	r.TF.SetStdout(r.out)
	r.TF.SetStderr(r.errOut)
	init := r.ensureInit
	if r.stateOnly {
		init = r.ensureBackend
	}
	if err := init(ctx); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(r.TempDir, "spin-stack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	w := work{plan: filepath.Join(tmp, "spin.tfplan")}
	if r.Inv.VarFile != nil {
		w.varFile = filepath.Join(tmp, "parameters.tfvars.json")
		if err := os.WriteFile(w.varFile, r.Inv.VarFile, 0o600); err != nil {
			return err
		}
	}
	return fn(ctx, w)
}

// tfError turns a driver error into one for the user: tofu has printed
// its own messages, so a failure only names the command.
func tfError(cmd string, err error) error {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%w: tofu %s was stopped", ErrInterrupted, cmd)
	case errors.As(err, &ee):
		return &ExitError{Command: cmd, Code: ee.ExitCode(), Err: err}
	}
	return fmt.Errorf("tofu %s: %w", cmd, err)
}

// lockedWriter serialises writes to the user's streams; a nil writer
// discards.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	if l.w == nil {
		return len(p), nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
