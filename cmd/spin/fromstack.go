package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/stackrun"
)

// fromStackOptions are the flags --from-stack adds to `profiles write` and
// `profiles diff`.
type fromStackOptions struct {
	dir, environment, source, nameTemplate string
}

const fromStackHelp = `
  spin profiles write --from-stack examples/00-iam-roles
  spin profiles diff --from-stack examples/00-iam-roles --source cloudspin_user

With --from-stack DIR, spin first reads the outputs of the stack instance in
DIR (as 'spin output DIR' does, credentials from spind) and, for every
output named *_role_arn whose value is a role ARN, adds a profile to
config.yaml with that role_arn and source --source (default the stack's
parameters.api_user). --name-template names it: {{output}} is the output's
name without _role_arn, {{role}} the role's name, {{role_suffix}} the role's
name after its first -. The default, assume-{{role_suffix}}, turns role
spin_role-cloudspin_examples-account into assume-cloudspin_examples-account.
A profile config.yaml already defines with another role_arn or source is
updated only with --force, which then also applies to ~/.aws/config. diff
shows the change to config.yaml, then the one to ~/.aws/config.`

func addFromStackFlags(flags *pflag.FlagSet, o *fromStackOptions) {
	flags.StringVar(&o.dir, "from-stack", "", "first add profiles to config.yaml for the *_role_arn outputs of the stack in `DIR`")
	flags.StringVarP(&o.environment, "environment", "e", "", "with --from-stack: also merge environments/stack-instance-`ENV`.yaml")
	flags.StringVar(&o.source, "source", "", "with --from-stack: the profiles' `KEYSET` (default the stack's parameters.api_user)")
	flags.StringVar(&o.nameTemplate, "name-template", "", "with --from-stack: profile name `TEMPLATE` (default "+profiles.DefaultNameTemplate+")")
}

// profilesFromStack is `spin profiles write|diff --from-stack`: config.yaml
// gains the stack's role profiles, then ~/.aws/config is written from it
// as a plain `spin profiles write` would.
func profilesFromStack(ctx context.Context, e *env, g *globals, o *profilesWriteOptions, diff bool) error {
	if o.stack.dir == "" {
		return hint.Wrap(errors.New("--environment, --source and --name-template go with --from-stack"), "name the stack folder: --from-stack DIR")
	}
	s, err := loadProfilesSetup(e, g)
	if err != nil {
		return err
	}
	plan, err := planFromStack(ctx, e, g, s.cfg, &o.stack, o.force)
	if err != nil {
		return err
	}
	add, replace := profiles.StackChanges(plan)
	cur, err := os.ReadFile(s.cfg.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	next := cur
	if len(add) > 0 {
		if next, err = profiles.InsertProfiles(s.cfg.Path, cur, add, replace); err != nil {
			return err
		}
	}
	cfg, err := profiles.Parse(s.cfg.Path, next)
	if err != nil {
		return err
	}
	cfg.User = s.cfg.User
	if diff {
		fmt.Fprint(e.stdout, profiles.UnifiedDiff(s.cfg.Path, s.cfg.Path+" (after spin profiles write)", cur, next))
		s.cfg = cfg
		return profilesSync(ctx, e, s, o, true)
	}
	if o.dryRun {
		printStackPlan(e, s.cfg.Path, plan, true)
		s.cfg = cfg
		return profilesSync(ctx, e, s, o, false)
	}
	// Find out whether ~/.aws/config takes the profiles before config.yaml
	// changes, so a refusal there leaves both files as they were.
	want, err := cfg.AWSProfiles()
	if err != nil {
		return err
	}
	_, err = profiles.UpdateAWSConfig(ctx, s.awsPath, true, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
		return profiles.Sync(doc, s.helper, want, profiles.SyncOptions{Force: o.force, Prune: o.prune})
	})
	if err != nil {
		return profilesError(err, s.awsPath)
	}
	if len(add) > 0 {
		if err := profiles.WriteConfigProfiles(s.cfg.Path, add, replace); err != nil {
			return err
		}
	}
	printStackPlan(e, s.cfg.Path, plan, false)
	if s, err = loadProfilesSetup(e, g); err != nil {
		return err
	}
	return profilesSync(ctx, e, s, o, false)
}

// planFromStack reads the stack's outputs through the stack runner and
// plans config.yaml's profiles for its role outputs.
func planFromStack(ctx context.Context, e *env, g *globals, cfg *profiles.Config, o *fromStackOptions, force bool) ([]profiles.StackProfile, error) {
	tmpl := o.nameTemplate
	if tmpl == "" {
		tmpl = profiles.DefaultNameTemplate
	}
	if err := profiles.CheckNameTemplate(tmpl); err != nil {
		return nil, err
	}
	so := &stackOptions{dir: o.dir, environment: o.environment}
	c, inv, err := prepareStack(e, g, so)
	if err != nil {
		return nil, err
	}
	source, err := stackSource(c, o.source)
	if err != nil {
		return nil, err
	}
	r, done, err := newStackRunner(ctx, e, g, so, inv, false)
	if err != nil {
		return nil, err
	}
	defer done()
	r.Stdout = e.stderr // tofu init's progress must not mix with a diff
	out, err := r.Output(ctx)
	if err != nil {
		return nil, err
	}
	roles, skipped := stackrun.RoleOutputs(out)
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "spin: warning: skipped %s\n", s)
	}
	if len(roles) == 0 {
		if len(out) == 0 {
			return nil, hint.Wrap(fmt.Errorf("stack %s has no outputs", o.dir), "apply it first: spin up "+o.dir)
		}
		return nil, hint.Wrap(fmt.Errorf("no output of stack %s is a role ARN named *%s", o.dir, profiles.RoleOutputSuffix), "'spin output "+o.dir+"' lists its outputs")
	}
	plan, err := profiles.PlanStackProfiles(cfg, roles, source, tmpl, force)
	var ce *profiles.ConflictError
	if errors.As(err, &ce) {
		for _, c := range ce.Conflicts[:len(ce.Conflicts)-1] {
			fmt.Fprintf(e.stderr, "spin: %s: %s\n", ce.Path, c)
		}
		return nil, hint.Wrap(fmt.Errorf("%s: %s", ce.Path, ce.Conflicts[len(ce.Conflicts)-1]),
			"add --force to update them, or choose other names with --name-template (nothing was changed)")
	}
	if err != nil {
		return nil, err
	}
	for _, sp := range plan {
		if len(sp.SameRole) > 0 {
			fmt.Fprintf(e.stderr, "spin: warning: %s also has role_arn %s (profile %s): stacks that name the ARN must then name the profile with assume_role_profile\n",
				cfg.Path, sp.Profile.RoleARN, strings.Join(sp.SameRole, ", "))
		}
	}
	return plan, nil
}

// stackSource is --source, else the stack's parameters.api_user.
func stackSource(c *stackrun.Config, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	switch v := c.Parameters["api_user"].(type) {
	case string:
		if v != "" {
			return v, nil
		}
	case nil:
	default:
		return "", hint.Wrap(fmt.Errorf("parameters.api_user of stack %s is not a string (%s)", c.Dir, c.Origin("parameters.api_user")),
			"name the key set the profiles use with --source KEYSET")
	}
	return "", hint.Wrap(fmt.Errorf("stack %s sets no parameters.api_user, so spin does not know which key set the profiles use", c.Dir),
		"name it with --source KEYSET (the name you gave 'spin keys add')")
}

// printStackPlan prints one line per role output: what happened, or would
// happen, to its profile in config.yaml.
func printStackPlan(e *env, path string, plan []profiles.StackProfile, dryRun bool) {
	for _, sp := range plan {
		p := sp.Profile
		switch sp.Action {
		case profiles.Added:
			verb := map[bool]string{false: "added", true: "would add"}[dryRun]
			fmt.Fprintf(e.stdout, "%s profile %s to %s (role_arn %s, source %s)\n", verb, p.Name, path, p.RoleARN, p.Source)
		case profiles.Updated:
			verb := map[bool]string{false: "updated", true: "would update"}[dryRun]
			var what []string
			if sp.Old.RoleARN != p.RoleARN {
				what = append(what, fmt.Sprintf("role_arn %s -> %s", dash(sp.Old.RoleARN), p.RoleARN))
			}
			if sp.Old.Source != p.Source {
				what = append(what, fmt.Sprintf("source %s -> %s", dash(sp.Old.Source), p.Source))
			}
			fmt.Fprintf(e.stdout, "%s profile %s in %s (%s)\n", verb, p.Name, path, strings.Join(what, ", "))
		default:
			fmt.Fprintf(e.stdout, "unchanged profile %s in %s\n", p.Name, path)
		}
	}
}
