package keyimport

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// Report prints what the import did, or with dryRun what it would do: the
// same plan, so a dry run says exactly what the real run then does.
// removed are Apply's removals; out gets the actions, errOut the warnings.
func (p *ProfilesImport) Report(out, errOut io.Writer, dryRun bool, removed []Removal) {
	verb := map[bool]string{false: "imported", true: "would import"}[dryRun]
	for _, s := range p.Sources {
		what := fmt.Sprintf("IAM Identity Center %s, %s", s.Def.SSO.StartURL, s.Def.SSO.Region)
		if s.Def.Kind == profiles.KindLogin {
			what = "console sign-in, " + s.Def.Login.Region
		}
		fmt.Fprintf(out, "%s source %s (%s) into %s\n", map[bool]string{false: "added", true: "would add"}[dryRun], s.Def.Name, what, p.cfgPath)
	}
	for _, pi := range p.Profiles {
		if pi.LoginSession != "" {
			fmt.Fprintf(out, "%s profile %s (login source %s)\n", verb, pi.Profile.Name, pi.Profile.Source)
			continue
		}
		if pi.Profile.SSOAccountID != "" {
			fmt.Fprintf(out, "%s profile %s (sso source %s, account %s, role %s)\n", verb, pi.Profile.Name, pi.Profile.Source, pi.Profile.SSOAccountID, pi.Profile.SSORoleName)
			continue
		}
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
	p.reportTokens(out, errOut, dryRun)
	if dryRun {
		fmt.Fprintln(out, "dry run: nothing stored or written")
	}
	PrintRemovals(out, errOut, removed)
}

// reportTokens says what became (or would become) of the AWS CLI's
// cached SSO tokens.
func (p *ProfilesImport) reportTokens(out, errOut io.Writer, dryRun bool) {
	users := func(t profiles.TokenImport) string {
		names := make([]string, len(t.Users))
		for i, u := range t.Users {
			names[i] = fmt.Sprintf("%s (line %d)", u.Profile, u.Line)
		}
		return strings.Join(names, ", ")
	}
	if dryRun {
		for _, t := range p.Tokens {
			path, _ := t.CachePath(p.getenv)
			if _, err := os.Stat(path); err != nil {
				fmt.Fprintf(out, "would find no AWS CLI token for source %s (%s): 'spin login %s' signs in\n", t.Source, path, t.Source)
				continue
			}
			fmt.Fprintf(out, "would move the AWS CLI's token for source %s from %s into the keyring\n", t.Source, path)
			if len(t.Users) > 0 {
				fmt.Fprintf(out, "would keep %s: %s still %s in with it\n", path, users(t), plural(len(t.Users), "signs", "sign"))
			}
		}
		return
	}
	for _, r := range p.tokens {
		switch {
		case r.Missing:
			fmt.Fprintf(errOut, "spin: note: no usable AWS CLI token for source %s: run 'spin login %s'\n", r.Source, r.Source)
		case r.Err != nil:
			fmt.Fprintf(errOut, "spin: warning: source %s: the AWS CLI's token stays where it is: %v\n", r.Source, r.Err)
			fmt.Fprintf(errOut, "spin: hint: run 'spin login %s'\n", r.Source)
		case r.Removed:
			fmt.Fprintf(out, "moved the AWS CLI's token for source %s into the keyring and removed %s\n", r.Source, r.Path)
		default:
			fmt.Fprintf(out, "moved the AWS CLI's token for source %s into the keyring; %s stays: %s still %s in with it\n", r.Source, r.Path, users(r.TokenImport), plural(len(r.Users), "signs", "sign"))
		}
	}
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
