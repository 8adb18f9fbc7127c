package stackrun

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

// Credentials says which spin profile each part of a stack uses. tofu
// never sees a role ARN: the backend gets profile=Backend and providers get
// AWS_PROFILE=Providers, and spind assumes the roles.
type Credentials struct {
	Backend       string // the backend's profile; "" without terraform_backend
	BackendRegion string
	Providers     string // AWS_PROFILE; "" when resources names none
	Region        string // AWS_REGION; "" when nothing sets one
	// Uses lists every profile the stack uses, once each, with the setting
	// that led to it, for the preflight check.
	Uses []ProfileUse
}

// ProfileUse is one spin profile a stack uses and why.
type ProfileUse struct {
	Profile string
	Setting string // e.g. "terraform_backend.role_arn"
}

// MapProfiles maps the stack's credentials settings to spin profiles of
// spin's config.yaml. Every role ARN must be the role_arn of a profile;
// an ARN none defines is an error whose hint is the config to add.
// resources.assume_role_* win over resources.aws_profile; the backend
// falls back to the providers' profile.
func MapProfiles(c *Config, spin *profiles.Config) (*Credentials, error) {
	m := mapper{c: c, spin: spin}
	cr := &Credentials{}
	r := c.Resources
	var err error
	switch {
	case r.AssumeRoleProfile != "" || r.AssumeRoleARN != "":
		cr.Providers, err = m.resolve("resources.assume_role_profile", r.AssumeRoleProfile, "resources.assume_role_arn", r.AssumeRoleARN, "")
	case r.AWSProfile != "":
		cr.Providers, err = m.resolve("resources.aws_profile", r.AWSProfile, "", "", "")
	}
	if err != nil {
		return nil, err
	}
	cr.Region = cmp.Or(r.Region, m.region(cr.Providers))
	if cr.Providers != "" {
		cr.Uses = append(cr.Uses, ProfileUse{cr.Providers, m.setting})
	}
	if b := c.Backend; b != nil {
		switch {
		case b.Profile != "" || b.RoleARN != "":
			cr.Backend, err = m.resolve("terraform_backend.profile", b.Profile, "terraform_backend.role_arn", b.RoleARN, cr.Providers)
		case cr.Providers != "":
			cr.Backend = cr.Providers // already in Uses
		default:
			err = &hint.Error{Err: fmt.Errorf("terraform_backend in %s has no credentials", c.Dir),
				Next: "set terraform_backend.role_arn (or .profile), or resources.aws_profile"}
		}
		if err != nil {
			return nil, err
		}
		cr.BackendRegion = cmp.Or(b.Region, r.Region, m.region(cr.Backend))
		if cr.BackendRegion == "" {
			return nil, &hint.Error{Err: fmt.Errorf("terraform_backend.region is not set in %s", strings.Join(c.Files, ", ")),
				Next: "set terraform_backend.region (the state bucket's region)"}
		}
		if !slices.ContainsFunc(cr.Uses, func(u ProfileUse) bool { return u.Profile == cr.Backend }) {
			cr.Uses = append(cr.Uses, ProfileUse{cr.Backend, m.setting})
		}
	}
	cr.Region = cmp.Or(cr.Region, cr.BackendRegion)
	return cr, nil
}

type mapper struct {
	c       *Config
	spin    *profiles.Config
	setting string // the setting the last resolve went by
}

// region is a profile's region from config.yaml (or its defaults).
func (m *mapper) region(name string) string {
	if name == "" {
		return ""
	}
	r, err := m.spin.Resolve(name)
	if err != nil {
		return ""
	}
	return r.Region
}

// resolve finds the profile named by profKey (prof) and/or arnKey (arn).
// With both, they must agree; an ARN several profiles share takes prefer
// when it is one of them.
func (m *mapper) resolve(profKey, prof, arnKey, arn, prefer string) (string, error) {
	at := func(key, v string) string { return fmt.Sprintf("%s %s (%s)", key, v, m.c.Origin(key)) }
	if prof != "" {
		m.setting = profKey
		p, ok := m.spin.Profiles[prof]
		if !ok {
			return "", &hint.Error{
				Err:  fmt.Errorf("%s is not a profile in %s%s", at(profKey, prof), m.spin.Path, m.known()),
				Next: m.snippet(prof, arn),
			}
		}
		if arn != "" && p.RoleARN != arn {
			return "", &hint.Error{
				Err:  fmt.Errorf("%s does not match %s: profile %s has role_arn %q in %s", at(arnKey, arn), profKey, prof, p.RoleARN, m.spin.Path),
				Next: fmt.Sprintf("make them agree, or drop one of %s and %s", profKey, arnKey),
			}
		}
		return prof, nil
	}
	m.setting = arnKey
	var found []string
	for _, name := range m.spin.Order {
		if m.spin.Profiles[name].RoleARN == arn {
			found = append(found, name)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case slices.Contains(found, prefer):
		return prefer, nil
	case len(found) > 1:
		return "", &hint.Error{
			Err:  fmt.Errorf("%s is the role_arn of several profiles in %s: %s", at(arnKey, arn), m.spin.Path, strings.Join(found, ", ")),
			Next: fmt.Sprintf("name the one to use with %s", profKey),
		}
	}
	return "", &hint.Error{
		Err:  fmt.Errorf("%s is not the role_arn of any profile in %s", at(arnKey, arn), m.spin.Path),
		Next: m.snippet(suggestName(arn), arn),
	}
}

func (m *mapper) known() string {
	if len(m.spin.Order) == 0 {
		return " (it defines no profiles)"
	}
	return " (known: " + strings.Join(m.spin.Order, ", ") + ")"
}

// snippet is the hint for a missing profile: the config.yaml lines to add.
func (m *mapper) snippet(name, arn string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "add it to %s, then run 'spin profiles write':\n  profiles:\n    %s:\n", m.spin.Path, name)
	if src := m.source(arn != ""); src != "" {
		fmt.Fprintf(&b, "      source: %s\n", src)
	} else {
		b.WriteString("      source: YOUR_KEY_SET             # the name you gave 'spin keys add'\n")
	}
	if arn != "" {
		fmt.Fprintf(&b, "      role_arn: %s\n", arn)
	}
	if r := m.c.Resources.Region; r != "" {
		fmt.Fprintf(&b, "      region: %s\n", r)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// source guesses the key set for a new profile: the one the existing role
// profiles (or, for a bootstrap profile, bootstrap profiles) use.
func (m *mapper) source(role bool) string {
	for _, name := range m.spin.Order {
		if p := m.spin.Profiles[name]; (p.RoleARN != "") == role && p.Source != "" {
			return p.Source
		}
	}
	return ""
}

// suggestName names a profile for a role as `spin profiles write
// --from-stack` would by default (profiles.DefaultNameTemplate): role
// spin_role-cloudspin_examples-account becomes
// assume-cloudspin_examples-account.
func suggestName(arn string) string {
	name, err := profiles.ProfileName(profiles.DefaultNameTemplate, profiles.StackRole{RoleARN: arn})
	if err != nil {
		return "YOUR_PROFILE"
	}
	return name
}
