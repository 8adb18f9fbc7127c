package profiles

import (
	"fmt"
	"sort"
	"strings"
)

// SSOAssignment is one account and the permission sets (role names) the
// user is assigned in it, as the access portal lists them.
type SSOAssignment struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	Roles       []string
}

// DefaultSSONameTemplate names generated profiles, as granted and
// aws-sso-cli users know them.
const DefaultSSONameTemplate = "{{account_name}}-{{role_name}}"

var ssoNameVars = []string{"account_name", "account_id", "role_name"}

// PlanSSOProfiles returns the profiles `spin profiles generate` adds for
// source: one per account and role not yet covered by a profile of the
// source (whatever its name: existing profiles are never renamed or
// overwritten). Names come from tmpl with prefix in front; characters a
// profile name cannot hold become '-', and a name already taken gets the
// account id appended. kept counts the assignments already covered.
func PlanSSOProfiles(conf *Config, source, tmpl, prefix string, as []SSOAssignment) (add []Profile, kept int, err error) {
	if tmpl == "" {
		tmpl = DefaultSSONameTemplate
	}
	if _, err := renderSSOName(tmpl, SSOAssignment{AccountID: "000000000000", AccountName: "a"}, "r"); err != nil {
		return nil, 0, err
	}
	covered := map[string]bool{}
	taken := map[string]bool{}
	for name, p := range conf.Profiles {
		taken[name] = true
		if p.Source == source && p.RoleARN == "" {
			covered[p.SSOAccountID+"/"+p.SSORoleName] = true
		}
	}
	sorted := append([]SSOAssignment(nil), as...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].AccountID < sorted[j].AccountID })
	for _, a := range sorted {
		roles := append([]string(nil), a.Roles...)
		sort.Strings(roles)
		for _, role := range roles {
			if covered[a.AccountID+"/"+role] {
				kept++
				continue
			}
			covered[a.AccountID+"/"+role] = true
			base, _ := renderSSOName(tmpl, a, role)
			name := cleanName(prefix + base)
			if taken[name] {
				name = cleanName(prefix + base + "-" + a.AccountID)
			}
			if err := CheckName(name); err != nil || taken[name] {
				return nil, 0, fmt.Errorf("cannot name a profile for role %s in account %s from template %q: %q is taken or invalid; use --template or --prefix",
					role, a.AccountID, tmpl, name)
			}
			taken[name] = true
			add = append(add, Profile{Name: name, Source: source, Kind: KindSSO, SSOAccountID: a.AccountID, SSORoleName: role})
		}
	}
	return add, kept, nil
}

func renderSSOName(tmpl string, a SSOAssignment, role string) (string, error) {
	vals := map[string]string{"account_name": a.AccountName, "account_id": a.AccountID, "role_name": role}
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
			return "", fmt.Errorf("name template %q has an unclosed {{ (allowed: {{%s}})", tmpl, strings.Join(ssoNameVars, "}}, {{"))
		}
		key := strings.TrimSpace(rest[i+2 : i+j])
		v, ok := vals[key]
		if !ok {
			return "", fmt.Errorf("name template %q has an unknown placeholder {{%s}} (allowed: {{%s}})", tmpl, key, strings.Join(ssoNameVars, "}}, {{"))
		}
		b.WriteString(v)
		rest = rest[i+j+2:]
	}
}

// cleanName makes s a valid profile name: disallowed characters (spaces in
// account names, say) become '-', and it is cut to the length limit.
func cleanName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c < 0x80 && (isAlnum(c) || c == '_' || i > 0 && strings.IndexByte(".-@+", c) >= 0)
		if !ok {
			b[i] = '-'
			if i == 0 {
				b[i] = '_'
			}
		}
	}
	if len(b) > maxNameLen {
		b = b[:maxNameLen]
	}
	return string(b)
}
