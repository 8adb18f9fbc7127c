package profiles

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/google/go-cmp/cmp"
)

// What `aws configure sso` leaves: an [sso-session], profiles for two
// roles, a legacy sso_start_url profile, and profiles import must leave.
const ssoConfig = `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = eu-west-1

[profile admin]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
output = json

[profile only-login]
sso_session = corp

[profile legacy]
sso_start_url = https://old-org.awsapps.com/start/
sso_region = eu-central-1
sso_account_id = 444455556666
sso_role_name = ReadOnly
`

func TestPlanImportSSO(t *testing.T) {
	conf := ParseAWSConfig([]byte(ssoConfig))
	plan, err := PlanImport(conf, ParseAWSConfig(nil), parse(t, "keyring:\n  backend: pass\n"), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	corp := SourceDef{Name: "corp", Kind: KindSSO, SSO: SSOSource{StartURL: "https://corp.awsapps.com/start", Region: "us-east-1", Scopes: []string{"sso:account:access"}}}
	old := SourceDef{Name: "old-org", Kind: KindSSO, SSO: SSOSource{StartURL: "https://old-org.awsapps.com/start/", Region: "eu-central-1"}}
	want := &ImportPlan{
		Profiles: []ProfileImport{
			{Profile: Profile{Name: "dev", Source: "corp", SSOAccountID: "111122223333", SSORoleName: "Developer", Region: "eu-west-1"}, Line: 6},
			// aws configure sso writes output: it stays in the section
			// (AdoptProfiles), so it is no reason to skip.
			{Profile: Profile{Name: "admin", Source: "corp", SSOAccountID: "111122223333", SSORoleName: "Admin"}, Line: 12},
			{Profile: Profile{Name: "legacy", Source: "old-org", SSOAccountID: "444455556666", SSORoleName: "ReadOnly"}, Line: 21},
		},
		Skipped: []ImportSkip{
			{"only-login", 18, "it has no sso_account_id and sso_role_name (it only signs in): 'spin profiles generate SOURCE' makes a profile for every account and role"},
		},
		Sources: []SourceImport{{Def: corp, Line: 1}, {Def: old, Line: 21}},
		// only-login stays with the AWS CLI and still signs in with
		// corp's token: its cache file stays.
		Tokens: []TokenImport{
			{Source: "corp", Kind: KindSSO, CacheKey: "corp", Users: []ImportSkip{{Profile: "only-login", Line: 18}}},
			{Source: "old-org", Kind: KindSSO, CacheKey: "https://old-org.awsapps.com/start/"},
		},
	}
	if diff := cmp.Diff(want, plan); diff != "" {
		t.Errorf("plan mismatch (-want +got):\n%s", diff)
	}

	// config.yaml takes the sources and the profiles; comments stay, and
	// the result loads as the config plus them.
	const cur = "# mine\nkeyring:\n  backend: pass\nprofiles:\n  other:\n    source: me\n    role_arn: arn:aws:iam::123456789012:role/o\n"
	var defs []SourceDef
	for _, s := range plan.Sources {
		defs = append(defs, s.Def)
	}
	add := []Profile{plan.Profiles[0].Profile, plan.Profiles[1].Profile}
	out, err := InsertImport("config.yaml", []byte(cur), defs, add, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), cur) {
		t.Errorf("the user's lines changed:\n%s", out)
	}
	got := parse(t, string(out))
	if got.Sources["corp"].SSO.StartURL != corp.SSO.StartURL || got.Sources["old-org"].SSO.Region != "eu-central-1" {
		t.Errorf("sources: %+v", got.Sources)
	}
	if p := got.Profiles["dev"]; p.Source != "corp" || p.SSOAccountID != "111122223333" || p.Kind != KindSSO {
		t.Errorf("profile dev: %+v", p)
	}

	// A source of config.yaml for the same start URL is used as it is.
	withCorp := parse(t, "sources:\n  work:\n    sso:\n      start_url: https://corp.awsapps.com/start\n      region: us-east-1\n")
	plan, err = PlanImport(conf, ParseAWSConfig(nil), withCorp, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Sources) != 1 || plan.Sources[0].Def.Name != "old-org" || plan.Profiles[0].Profile.Source != "work" || plan.Tokens[0].Source != "work" {
		t.Errorf("with config.yaml's own source: sources %+v, profiles %+v, tokens %+v", plan.Sources, plan.Profiles, plan.Tokens)
	}
	// One of the same name that signs in elsewhere is not overwritten.
	clash := parse(t, "sources:\n  corp:\n    sso:\n      start_url: https://other.awsapps.com/start\n      region: us-east-1\n")
	plan, err = PlanImport(conf, ParseAWSConfig(nil), clash, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Skipped) < 1 || plan.Skipped[0].Profile != "dev" || !strings.Contains(plan.Skipped[0].Reason, "config.yaml's source corp signs in elsewhere") {
		t.Errorf("clash: skipped %v", plan.Skipped)
	}
}

func TestSSOCachePath(t *testing.T) {
	// The file the AWS CLI writes and aws-sdk-go-v2's ssocreds reads.
	t.Setenv("HOME", "/h")
	for _, key := range []string{"my-sso", "https://old-org.awsapps.com/start/"} {
		want, err := ssocreds.StandardCachedTokenFilepath(key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := SSOCachePath(os.Getenv, key)
		if err != nil || got != want {
			t.Errorf("SSOCachePath(%q) = %q, %v; ssocreds says %q", key, got, err, want)
		}
	}
}
