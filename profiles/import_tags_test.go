package profiles

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// aws-vault's session_tags and transitive_session_tags (or spin's own
// transitive_tag_keys) and source_identity are carried into config.yaml,
// where they load back as the same settings; tags STS would refuse skip
// the profile with the reason, before anything is stored.
func TestPlanImportAttribution(t *testing.T) {
	const conf = `[profile tagged]
role_arn = arn:aws:iam::123456789012:role/tagged
source_profile = cloudspin_user
session_tags = team=infra, env = dev,owner={{user}}
transitive_session_tags = team,env
source_identity = alice

[profile spin-named]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = cloudspin_user
session_tags = team=infra
transitive_tag_keys = team

[profile reserved]
role_arn = arn:aws:iam::123456789012:role/r
source_profile = cloudspin_user
session_tags = aws:team=infra

[profile malformed]
role_arn = arn:aws:iam::123456789012:role/m
source_profile = cloudspin_user
session_tags = team

[profile not-a-tag]
role_arn = arn:aws:iam::123456789012:role/n
source_profile = cloudspin_user
session_tags = team=infra
transitive_session_tags = env
`
	plan, err := PlanImport(ParseAWSConfig([]byte(conf)), ParseAWSConfig([]byte(planCredentials)), parse(t, ""), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var add []Profile
	for _, p := range plan.Profiles {
		names = append(names, p.Profile.Name)
		add = append(add, p.Profile)
	}
	if want := []string{"tagged", "spin-named"}; !cmp.Equal(names, want) {
		t.Fatalf("imported %v, want %v; skipped %v", names, want, plan.Skipped)
	}
	wantSkips := map[string]string{
		"reserved":  `spin would not accept it: session tag key "aws:team" in profile "reserved" may not begin with aws: (AWS reserves it)`,
		"malformed": `session_tags "team": "team" is not key=value (write session_tags = team=infra,env=dev)`,
		"not-a-tag": `spin would not accept it: transitive tag key "env" in profile "not-a-tag" is not a key of session_tags (STS requires it to be)`,
	}
	for _, s := range plan.Skipped {
		if want, ok := wantSkips[s.Profile]; !ok || s.Reason != want {
			t.Errorf("skipped %s: %q\nwant %q", s.Profile, s.Reason, want)
		}
		delete(wantSkips, s.Profile)
	}
	if len(wantSkips) > 0 {
		t.Errorf("not skipped: %v", wantSkips)
	}

	// What import writes into config.yaml loads back as the same settings.
	out, err := InsertProfiles("config.yaml", nil, add, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse("config.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := cfg.Profiles["tagged"]
	if want := []Tag{{"team", "infra"}, {"env", "dev"}, {"owner", "{{user}}"}}; !cmp.Equal(got.SessionTags, want) {
		t.Errorf("session tags %v, want %v\n%s", got.SessionTags, want, out)
	}
	if want := []string{"team", "env"}; !cmp.Equal(got.TransitiveTagKeys, want) {
		t.Errorf("transitive keys %v, want %v", got.TransitiveTagKeys, want)
	}
	if !got.SourceIdentitySet || got.SourceIdentity != "alice" {
		t.Errorf("source identity %q (set %v), want alice", got.SourceIdentity, got.SourceIdentitySet)
	}
	if k := cfg.Profiles["spin-named"].TransitiveTagKeys; !cmp.Equal(k, []string{"team"}) {
		t.Errorf("transitive_tag_keys read as %v, want [team]", k)
	}
	if !strings.Contains(string(out), "    session_tags:\n      team: infra\n") {
		t.Errorf("config.yaml:\n%s", out)
	}
}
