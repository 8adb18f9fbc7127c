package profiles

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultNameTemplate names a profile for a stack's role output. It turns
// the iam-roles example's role spin_role-cloudspin_examples-account into
// the walkthrough's profile assume-cloudspin_examples-account.
const DefaultNameTemplate = "assume-{{role_suffix}}"

// RoleOutputSuffix ends the names of the stack outputs that hold role ARNs.
const RoleOutputSuffix = "_role_arn"

// nameVars are the placeholders of a name template.
var nameVars = []string{"output", "role", "role_suffix"}

// StackRole is a role ARN a stack outputs.
type StackRole struct {
	Output  string // the output's name, such as account_role_arn
	RoleARN string
}

// IsRoleARN reports whether s is an IAM role ARN that config.yaml accepts
// as a role_arn; stack-instance files are checked with it too.
func IsRoleARN(s string) bool { return roleARNRE().MatchString(s) }

// IsRegion reports whether s has the shape of an AWS region name, as
// config.yaml and stack-instance files require.
func IsRegion(s string) bool { return regionRE().MatchString(s) }

// RoleName is the role's name: the ARN's last path segment.
func (r StackRole) RoleName() string {
	return r.RoleARN[strings.LastIndex(r.RoleARN, "/")+1:]
}

// nameValues are a role's values for the template's placeholders.
func (r StackRole) nameValues() map[string]string {
	role := r.RoleName()
	suffix := role
	if _, after, ok := strings.Cut(role, "-"); ok && after != "" {
		suffix = after
	}
	return map[string]string{
		"output":      strings.TrimSuffix(r.Output, RoleOutputSuffix),
		"role":        role,
		"role_suffix": suffix,
	}
}

// ProfileName renders the name template tmpl for r and checks the result
// with CheckName. {{output}} is the output's name without _role_arn,
// {{role}} the role's name, and {{role_suffix}} the role's name after its
// first - (all of it when it has none). Spaces inside the braces are
// allowed; any other placeholder is an error.
func ProfileName(tmpl string, r StackRole) (string, error) {
	name, err := renderName(tmpl, r.nameValues())
	if err != nil {
		return "", err
	}
	if err := CheckName(name); err != nil {
		return "", fmt.Errorf("name template %q gives %q for output %s, which is not a profile name: %w", tmpl, name, r.Output, err)
	}
	return name, nil
}

// CheckNameTemplate reports a template's syntax errors before any output
// is read; the names it gives are checked by ProfileName.
func CheckNameTemplate(tmpl string) error {
	_, err := renderName(tmpl, map[string]string{"output": "o", "role": "r", "role_suffix": "s"})
	return err
}

func renderName(tmpl string, vals map[string]string) (string, error) {
	allowed := "allowed: {{" + strings.Join(nameVars, "}}, {{") + "}}"
	if tmpl == "" {
		return "", errors.New("the name template is empty (" + allowed + ")")
	}
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("name template %q has an unclosed {{ (%s)", tmpl, allowed)
		}
		key := strings.TrimSpace(rest[i+2 : i+j])
		v, ok := vals[key]
		if !ok {
			return "", fmt.Errorf("name template %q has an unknown placeholder {{%s}} (%s)", tmpl, key, allowed)
		}
		b.WriteString(v)
		rest = rest[i+j+2:]
	}
}

// StackProfile is what PlanStackProfiles does with one role output.
type StackProfile struct {
	Output  string
	Profile Profile // as config.yaml will define it
	Action  Action  // Added, Updated or Unchanged
	Old     Profile // for Updated: what config.yaml defines now
	// SameRole lists the other profiles of config.yaml with this role_arn:
	// a stack that names the ARN then needs assume_role_profile.
	SameRole []string
}

// Conflict is a profile config.yaml defines differently from the stack.
type Conflict struct {
	Name, Output string
	Field        string // role_arn or source
	Have, Want   string
}

func (c Conflict) String() string {
	if c.Field == "source" {
		return fmt.Sprintf("profile %s has source %s, not %s", c.Name, c.Have, c.Want)
	}
	return fmt.Sprintf("profile %s has role_arn %s, but output %s is %s", c.Name, c.Have, c.Output, c.Want)
}

// ConflictError lists the profiles that only a forced update may change.
type ConflictError struct {
	Path      string
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		parts[i] = c.String()
	}
	return e.Path + ": " + strings.Join(parts, "; ")
}

// Unwrap lists the conflicts one by one, for the CLI to print a line each.
func (e *ConflictError) Unwrap() []error {
	errs := make([]error, len(e.Conflicts))
	for i, c := range e.Conflicts {
		errs[i] = errors.New(e.Path + ": " + c.String())
	}
	return errs
}

// Hint is the way out of a conflict.
func (e *ConflictError) Hint() string {
	return "add --force to update them, or choose other names with --name-template (nothing was changed)"
}

// PlanStackProfiles decides, for each role output, the profile config.yaml
// should define: named by tmpl, with source and the output's role_arn. A
// profile cfg already defines with the same role_arn and source is
// Unchanged. One with another role_arn or source is Updated, keeping its
// other settings, only with force; otherwise every such conflict is
// reported in one *ConflictError. Nothing is written.
func PlanStackProfiles(cfg *Config, roles []StackRole, source, tmpl string, force bool) ([]StackProfile, error) {
	if err := CheckName(source); err != nil {
		return nil, fmt.Errorf("source %q is not a key set name: %w", source, err)
	}
	var plan []StackProfile
	var conflicts []Conflict
	byName := map[string]string{} // profile name -> output
	for _, r := range roles {
		if !IsRoleARN(r.RoleARN) {
			return nil, fmt.Errorf("output %s: %q is not an IAM role ARN", r.Output, r.RoleARN)
		}
		name, err := ProfileName(tmpl, r)
		if err != nil {
			return nil, err
		}
		if other, ok := byName[name]; ok {
			return nil, fmt.Errorf("outputs %s and %s both give profile %s with name template %q", other, r.Output, name, tmpl)
		}
		byName[name] = r.Output
		sp := StackProfile{Output: r.Output, Profile: Profile{Name: name, Source: source, RoleARN: r.RoleARN}, Action: Added}
		for _, n := range cfg.Order {
			if n != name && cfg.Profiles[n].RoleARN == r.RoleARN {
				sp.SameRole = append(sp.SameRole, n)
			}
		}
		old, ok := cfg.Profiles[name]
		switch {
		case !ok:
		case old.RoleARN == r.RoleARN && old.Source == source:
			sp.Action, sp.Profile = Unchanged, old
		case force:
			sp.Action, sp.Old = Updated, old
			sp.Profile = old
			sp.Profile.Source, sp.Profile.RoleARN = source, r.RoleARN
		default:
			if old.RoleARN != r.RoleARN {
				conflicts = append(conflicts, Conflict{Name: name, Output: r.Output, Field: "role_arn", Have: orNone(old.RoleARN), Want: r.RoleARN})
			}
			if old.Source != source {
				conflicts = append(conflicts, Conflict{Name: name, Output: r.Output, Field: "source", Have: orNone(old.Source), Want: source})
			}
		}
		plan = append(plan, sp)
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Path: cfg.Path, Conflicts: conflicts}
	}
	return plan, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// StackChanges returns the profiles of plan that config.yaml must gain or
// change, and whether any replaces an entry (InsertProfiles' replace).
func StackChanges(plan []StackProfile) (add []Profile, replace bool) {
	for _, sp := range plan {
		if sp.Action != Unchanged {
			add = append(add, sp.Profile)
		}
		replace = replace || sp.Action == Updated
	}
	return add, replace
}
