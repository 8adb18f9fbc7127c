package profiles

import (
	"fmt"
	"slices"
	"strings"
)

// AdoptProfiles rewrites the imported role profiles of doc as spin-managed
// credential_process profiles (want gives each its region, resolved from
// config.yaml as `spin profiles write` resolves it, so a later write
// changes nothing), keeping their carriedKeys settings after spin's lines. Each section must still be the role profile the plan
// read: the file may have changed since, and a profile spin did not read is
// never replaced. It is for UpdateAWSConfig's edit function.
func AdoptProfiles(doc *AWSConfig, h Helper, want []AWSProfile, imported []ProfileImport) ([]Change, error) {
	region := map[string]string{}
	for _, p := range want {
		region[p.Name] = p.Region
	}
	var changes []Change
	for _, imp := range imported {
		name := imp.Profile.Name
		s, found, err := doc.onlySection(name)
		if err != nil {
			return nil, err
		}
		if !found || s.Managed {
			return nil, fmt.Errorf("profile %s changed while it was imported; run 'spin profiles write'", name)
		}
		settings, _ := doc.Settings(s)
		role, _ := lookupSetting(settings, "role_arn")
		src, _ := lookupSetting(settings, "source_profile")
		if imp.Profile.SSOAccountID != "" {
			// An SSO profile: its account and role identify it.
			role, _ = lookupSetting(settings, "sso_role_name")
			src, _ = lookupSetting(settings, "sso_account_id")
			role.Value, src.Value = strings.TrimSpace(role.Value), strings.TrimSpace(src.Value)
			if role.Value == imp.Profile.SSORoleName && src.Value == imp.Profile.SSOAccountID {
				role.Value, src.Value = imp.Profile.RoleARN, imp.Profile.Source
			}
		}
		if imp.LoginSession != "" {
			ls, _ := lookupSetting(settings, "login_session")
			if strings.TrimSpace(ls.Value) == imp.LoginSession {
				role.Value, src.Value = imp.Profile.RoleARN, imp.Profile.Source
			}
		}
		if role.Value != imp.Profile.RoleARN || src.Value != imp.Profile.Source {
			return nil, fmt.Errorf("profile %s (line %d) changed while it was imported; run 'spin profiles write --force' to replace it", name, s.Line)
		}
		p := AWSProfile{Name: name, Region: region[name]}
		block, err := h.Block(p)
		if err != nil {
			return nil, err
		}
		for _, st := range settings {
			if slices.Contains(carriedKeys, st.Key) {
				block = append(block, doc.lines[st.Line-1].Text)
			}
		}
		act, err := doc.SetProfile(name, block, true)
		if err != nil {
			return nil, err
		}
		cp, _ := h.CredentialProcess(name) // Block has checked it
		changes = append(changes, Change{Name: name, Action: act, CredentialProcess: cp, Region: p.Region})
	}
	return changes, nil
}
