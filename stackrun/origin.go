package stackrun

import (
	"fmt"

	"github.com/cloudspin/spin/profiles"
)

// Origins says, per profile the stack uses, where its credentials come
// from and which role they are for: one line each, which is what a CI log
// needs to show (spin up prints them when there is no terminal).
func Origins(spin *profiles.Config, uses []ProfileUse) []string {
	var out []string
	for _, u := range uses {
		out = append(out, fmt.Sprintf("credentials for %s: %s", u.Setting, origin(spin, u.Profile)))
	}
	return out
}

func origin(spin *profiles.Config, name string) string {
	p, err := spin.Resolve(name)
	if err != nil {
		return "profile " + name
	}
	from := "key set " + p.Source
	if d, ok := spin.Sources[p.Source]; ok {
		from = fmt.Sprintf("%s source %s", d.Kind, p.Source)
		if d.Kind == profiles.KindWebIdentity {
			from += " (" + d.WebIdentity.String() + ")"
		}
	}
	switch {
	case p.RoleARN != "":
		return fmt.Sprintf("profile %s, role %s, from %s", name, p.RoleARN, from)
	case p.SSORoleName != "":
		return fmt.Sprintf("profile %s, role %s in account %s, from %s", name, p.SSORoleName, p.SSOAccountID, from)
	}
	return fmt.Sprintf("profile %s, the identity of %s itself", name, from)
}
