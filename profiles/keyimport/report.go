package keyimport

import (
	"fmt"
	"io"
	"strings"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// Report prints what the import did, or with dryRun what it would do: the
// same plan, so a dry run says exactly what the real run then does.
// removed are Apply's removals; out gets the actions, errOut the warnings.
func (p *ProfilesImport) Report(out, errOut io.Writer, dryRun bool, removed []Removal) {
	verb := map[bool]string{false: "imported", true: "would import"}[dryRun]
	for _, pi := range p.Profiles {
		from := ""
		if pi.FromKeyring {
			from = ", already in the keyring"
		}
		fmt.Fprintf(out, "%s profile %s (key set %s%s, role %s)\n", verb, pi.Profile.Name, pi.Profile.Source, from, pi.Profile.RoleARN)
		if pi.Comments > 0 {
			fmt.Fprintf(errOut, "spin: note: profile %s: the rewrite drops %d comment lines inside its section (the old file is kept in %s.spin.bak)\n", pi.Profile.Name, pi.Comments, p.awsPath)
		}
	}
	for _, k := range p.Keys {
		switch {
		case k.Stored:
			fmt.Fprintf(out, "key set %s already holds the key of [%s] (%s)\n", k.Profile, k.Profile, secret.MaskKeyID(k.AccessKeyID))
		case k.Replaces && dryRun:
			fmt.Fprintf(out, "would replace key set %s with the key of [%s] (%s)\n", k.Profile, k.Profile, secret.MaskKeyID(k.AccessKeyID))
		case k.Replaces:
			fmt.Fprintf(out, "replaced key set %s with the key of [%s] (%s)\n", k.Profile, k.Profile, secret.MaskKeyID(k.AccessKeyID))
		}
		PrintUsers(errOut, k.Profile, p.credPath, k.Users, k.Keep, "fix what kept them from being imported and run 'spin profiles import' again (it then removes the keys), or remove the keys anyway with --force")
		if dryRun && !k.Keep {
			fmt.Fprintf(out, "would remove the keys of [%s] from %s\n", k.Profile, p.credPath)
		}
	}
	if dryRun {
		fmt.Fprintln(out, "dry run: nothing stored or written")
	}
	PrintRemovals(out, errOut, removed)
}

// PrintUsers warns about the profiles that still name source as their
// source_profile when its keys were to leave the credentials file: kept,
// the keys stay for them; else those profiles break outside spin.
func PrintUsers(errOut io.Writer, source, credPath string, users []profiles.ImportSkip, kept bool, keptHint string) {
	if len(users) == 0 {
		return
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = fmt.Sprintf("%s (line %d)", u.Profile, u.Line)
	}
	if kept {
		fmt.Fprintf(errOut, "spin: warning: the keys of [%s] stay in %s: %s of the AWS config still %s it as source_profile\n", source, credPath, strings.Join(names, ", "), plural(len(names), "names", "name"))
		fmt.Fprintf(errOut, "spin: hint: %s\n", keptHint)
		return
	}
	fmt.Fprintf(errOut, "spin: warning: the keys of [%s] leave %s although %s of the AWS config %s it as source_profile: %s outside spin\n", source, credPath, strings.Join(names, ", "), plural(len(names), "names", "name"), plural(len(names), "it no longer works", "they no longer work"))
}

// PrintRemovals says which plaintext keys are gone, and warns where the
// same secret is still written.
func PrintRemovals(out, errOut io.Writer, removed []Removal) {
	for _, r := range removed {
		fmt.Fprintf(out, "removed the keys of [%s] from %s\n", r.Profile, r.Path)
		if len(r.StillAt) > 0 {
			fmt.Fprintf(errOut, "spin: warning: the secret of [%s] is still in %s at line %v (another profile or a comment)\n", r.Profile, r.Path, r.StillAt)
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
