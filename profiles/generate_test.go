package profiles

import (
	"strings"
	"testing"
)

func TestPlanSSOProfiles(t *testing.T) {
	conf, err := Parse("config.yaml", []byte(`sources:
  corp:
    sso: {start_url: "https://d-1234567890.awsapps.com/start", region: us-east-1}
profiles:
  mine: {source: corp, sso_account_id: "111111111111", sso_role_name: Admin}
  Prod-Admin: {source: corp, sso_account_id: "999999999999", sso_role_name: Other}
`))
	if err != nil {
		t.Fatal(err)
	}
	as := []SSOAssignment{
		{AccountID: "222222222222", AccountName: "Prod", Roles: []string{"Admin", "Read Only"}},
		{AccountID: "111111111111", AccountName: "Dev Team", Roles: []string{"Admin", "Dev"}},
		{AccountID: "333333333333", AccountName: "Prod", Roles: []string{"Admin"}},
	}
	add, kept, err := PlanSSOProfiles(conf, "corp", "", "", as)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range add {
		got = append(got, p.Name+"="+p.SSOAccountID+"/"+p.SSORoleName)
	}
	want := "Dev-Team-Dev=111111111111/Dev Prod-Admin-222222222222=222222222222/Admin Prod-Read-Only=222222222222/Read Only " +
		"Prod-Admin-333333333333=333333333333/Admin"
	if strings.Join(got, " ") != want || kept != 1 {
		t.Errorf("got %v (kept %d), want %s (kept 1): existing names are never reused, spaces become '-'", got, kept, want)
	}
	if _, _, err := PlanSSOProfiles(conf, "corp", "{{account}}", "", as); err == nil || !strings.Contains(err.Error(), "{{account_name}}") {
		t.Errorf("unknown placeholder: got %v", err)
	}
	add, _, _ = PlanSSOProfiles(conf, "corp", "{{account_id}}.{{role_name}}", "sso-", as[:1])
	if add[0].Name != "sso-222222222222.Admin" {
		t.Errorf("prefix and template: got %s", add[0].Name)
	}
}
