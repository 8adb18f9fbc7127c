package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/cloudspin/spin/broker/apitext"
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
	s, err := g.setup(e)
	if err != nil {
		return err
	}
	source, roles, err := stackrun.RoleProfiles(ctx, o.stack.dir, o.stack.environment, o.stack.source, g.stackWorld(e))
	if err != nil {
		return err
	}
	w, err := profiles.PlanStackWrite(s.Config, roles, source, o.stack.nameTemplate, o.force)
	if err != nil {
		return err
	}
	for _, sp := range w.Plan {
		if len(sp.SameRole) > 0 {
			fmt.Fprintf(e.stderr, "spin: warning: %s also has role_arn %s (profile %s): stacks that name the ARN must then name the profile with assume_role_profile\n",
				s.Config.Path, sp.Profile.RoleARN, strings.Join(sp.SameRole, ", "))
		}
	}
	switch {
	case diff:
		fmt.Fprint(e.stdout, profiles.UnifiedDiff(w.Path, w.Path+" (after spin profiles write)", w.Old, w.New))
	case o.dryRun:
		printStackPlan(e, w.Path, w.Plan, true)
	default:
		if err := w.Apply(ctx, s.AWSPath, s.Helper, profiles.SyncOptions{Force: o.force, Prune: o.prune}); err != nil {
			return profilesError(err, s.AWSPath)
		}
		printStackPlan(e, w.Path, w.Plan, false)
	}
	s.Config = w.Config
	return profilesSync(ctx, e, s, o, diff)
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
				what = append(what, fmt.Sprintf("role_arn %s -> %s", apitext.Dash(sp.Old.RoleARN), p.RoleARN))
			}
			if sp.Old.Source != p.Source {
				what = append(what, fmt.Sprintf("source %s -> %s", apitext.Dash(sp.Old.Source), p.Source))
			}
			fmt.Fprintf(e.stdout, "%s profile %s in %s (%s)\n", verb, p.Name, path, strings.Join(what, ", "))
		default:
			fmt.Fprintf(e.stdout, "unchanged profile %s in %s\n", p.Name, path)
		}
	}
}
