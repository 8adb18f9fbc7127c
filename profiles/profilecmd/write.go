// Package profilecmd holds the flows of the spin profiles commands: write
// (and diff, --dry-run, --from-stack), list, remove and generate. Each
// loads what it needs, edits config.yaml or the AWS config file through
// profiles' locked editors, and says what changed; cmd/spin only parses
// flags. The stack's outputs come in as roles, so this package never
// runs tofu.
package profilecmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

// Out is where a command writes: results to Stdout, warnings and notes to
// Stderr.
type Out struct {
	Stdout, Stderr io.Writer
}

func (o Out) warn(format string, args ...any) {
	fmt.Fprintf(o.Stderr, "spin: warning: "+format+"\n", args...)
}

// WriteOptions are the flags of write and diff.
type WriteOptions struct {
	Force, Prune, DryRun bool
	Diff                 bool // print a unified diff, write nothing
	// CredentialsPath is the shared credentials file, checked for keys
	// that shadow spin's profiles; "" skips the check.
	CredentialsPath string
}

// Write writes s's profiles into the AWS config file, or with Diff prints
// the change.
func Write(ctx context.Context, s *profiles.Setup, o WriteOptions, out Out) error {
	if !s.Config.Exists {
		return hint.Wrap(fmt.Errorf("%s does not exist", s.Config.Path), "define your profiles there; 'spin profiles write --help' shows what spin writes")
	}
	for _, w := range s.Config.Warnings {
		out.warn("%s", w)
	}
	want, err := s.Config.AWSProfiles()
	if err != nil {
		return err
	}
	u, err := profiles.UpdateAWSConfig(ctx, s.AWSPath, o.DryRun || o.Diff, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
		return profiles.Sync(doc, s.Helper, want, profiles.SyncOptions{Force: o.Force, Prune: o.Prune})
	})
	fileWarnings(out, u)
	if err != nil {
		return Error(err, s.AWSPath)
	}
	if o.Diff {
		fmt.Fprint(out.Stdout, profiles.UnifiedDiff(u.Path, u.Path+" (after spin profiles write)", u.Old, u.New))
		return nil
	}
	bootstrap := map[string]bool{}
	for _, p := range want {
		bootstrap[p.Name] = p.Bootstrap
	}
	for _, ch := range u.Changes {
		switch ch.Action {
		case profiles.Added, profiles.Updated, profiles.Removed:
			verb := ch.Action.String()
			if o.DryRun {
				verb = "would " + map[profiles.Action]string{profiles.Added: "add", profiles.Updated: "update", profiles.Removed: "remove"}[ch.Action]
			}
			fmt.Fprintf(out.Stdout, "%s profile %s\n", verb, ch.Name)
			if bootstrap[ch.Name] && ch.Action != profiles.Removed {
				out.warn("profile %s has no role_arn: it hands out an MFA session, or the key set's long-term keys if 'spin keys allow-export' allowed that", ch.Name)
			}
		case profiles.Stale:
			out.warn("profile %s was written by spin but %s no longer defines it", ch.Name, s.Config.Path)
			fmt.Fprintf(out.Stderr, "spin: hint: run 'spin profiles remove %s' or 'spin profiles write --prune'\n", ch.Name)
		}
	}
	PrintShadows(out, s.Config, o.CredentialsPath)
	switch {
	case u.Written && u.Backup != "":
		fmt.Fprintf(out.Stdout, "wrote %s (previous content in %s)\n", u.Path, u.Backup)
	case u.Written:
		fmt.Fprintf(out.Stdout, "wrote %s\n", u.Path)
	case o.DryRun && string(u.Old) != string(u.New):
		fmt.Fprintf(out.Stdout, "dry run: %s not written\n", u.Path)
	default:
		fmt.Fprintf(out.Stdout, "%s is up to date (%d spin profiles)\n", u.Path, len(want))
	}
	return nil
}

// StackRoles is what --from-stack takes from the stack: the key set its
// profiles use and its role outputs.
type StackRoles struct {
	Source       string
	Roles        []profiles.StackRole
	NameTemplate string // "" is profiles.DefaultNameTemplate
}

// WriteFromStack is `spin profiles write|diff --from-stack`: config.yaml
// gains the stack's role profiles, then the AWS config file is written
// from it as a plain Write would.
func WriteFromStack(ctx context.Context, s *profiles.Setup, st StackRoles, o WriteOptions, out Out) error {
	w, err := profiles.PlanStackWrite(s.Config, st.Roles, st.Source, st.NameTemplate, o.Force)
	if err != nil {
		return err
	}
	for _, sp := range w.Plan {
		if len(sp.SameRole) > 0 {
			out.warn("%s also has role_arn %s (profile %s): stacks that name the ARN must then name the profile with assume_role_profile",
				s.Config.Path, sp.Profile.RoleARN, strings.Join(sp.SameRole, ", "))
		}
	}
	switch {
	case o.Diff:
		fmt.Fprint(out.Stdout, profiles.UnifiedDiff(w.Path, w.Path+" (after spin profiles write)", w.Old, w.New))
	case o.DryRun:
		printStackPlan(out.Stdout, w.Path, w.Plan, true)
	default:
		if err := w.Apply(ctx, s.AWSPath, s.Helper, profiles.SyncOptions{Force: o.Force, Prune: o.Prune}); err != nil {
			return Error(err, s.AWSPath)
		}
		printStackPlan(out.Stdout, w.Path, w.Plan, false)
	}
	next := *s
	next.Config = w.Config
	return Write(ctx, &next, o, out)
}

// printStackPlan prints one line per role output: what happened, or would
// happen, to its profile in config.yaml.
func printStackPlan(w io.Writer, path string, plan []profiles.StackProfile, dryRun bool) {
	for _, sp := range plan {
		p := sp.Profile
		switch sp.Action {
		case profiles.Added:
			verb := map[bool]string{false: "added", true: "would add"}[dryRun]
			fmt.Fprintf(w, "%s profile %s to %s (role_arn %s, source %s)\n", verb, p.Name, path, p.RoleARN, p.Source)
		case profiles.Updated:
			verb := map[bool]string{false: "updated", true: "would update"}[dryRun]
			var what []string
			if sp.Old.RoleARN != p.RoleARN {
				what = append(what, fmt.Sprintf("role_arn %s -> %s", dash(sp.Old.RoleARN), p.RoleARN))
			}
			if sp.Old.Source != p.Source {
				what = append(what, fmt.Sprintf("source %s -> %s", dash(sp.Old.Source), p.Source))
			}
			fmt.Fprintf(w, "%s profile %s in %s (%s)\n", verb, p.Name, path, strings.Join(what, ", "))
		default:
			fmt.Fprintf(w, "unchanged profile %s in %s\n", p.Name, path)
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func fileWarnings(out Out, u *profiles.Update) {
	if u == nil {
		return
	}
	for _, w := range u.Warnings {
		out.warn("%s", w)
	}
}

// Error adds the next step to the AWS config editor's errors.
func Error(err error, awsPath string) error {
	var ue *profiles.UnmanagedError
	var de *profiles.DuplicateError
	switch {
	case errors.As(err, &ue):
		return hint.Wrap(err, "rename the profile in spin's config.yaml, or replace it with 'spin profiles write --force' (the old file is kept in config.spin.bak)")
	case errors.As(err, &de):
		return hint.Wrap(err, "edit "+awsPath+", then run 'spin profiles write' again")
	case errors.Is(err, profiles.ErrNoProfile):
		return hint.Wrap(err, "'spin profiles list' shows the profiles")
	case errors.Is(err, fs.ErrPermission):
		return hint.Wrap(err, "check the file and its directory: ls -l, and lsattr for the immutable flag")
	}
	return err
}

// PrintShadows warns about cfg's profiles that the credentials file at
// credPath shadows with keys of the same name: AWS tools would silently
// use those keys instead of spin.
func PrintShadows(out Out, cfg *profiles.Config, credPath string) {
	if credPath == "" {
		return
	}
	shadows, _ := profiles.ReadShadows(cfg, credPath)
	for _, sh := range shadows {
		out.warn("%s", sh)
		fmt.Fprintf(out.Stderr, "spin: hint: %s\n", sh.Fix())
	}
}
