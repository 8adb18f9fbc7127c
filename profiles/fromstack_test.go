package profiles

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	accountARN  = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account"
	deliveryARN = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-delivery"
)

func TestProfileName(t *testing.T) {
	account := StackRole{Output: "account_role_arn", RoleARN: accountARN}
	tests := []struct {
		tmpl string
		role StackRole
		want string
		err  string // a substring of the error; "" for none
	}{
		{tmpl: DefaultNameTemplate, role: account, want: "assume-cloudspin_examples-account"},
		{tmpl: "{{output}}", role: account, want: "account"},
		{tmpl: "{{role}}", role: account, want: "spin_role-cloudspin_examples-account"},
		{tmpl: "dev-{{ output }}-{{role_suffix}}", role: account, want: "dev-account-cloudspin_examples-account"},
		{tmpl: "fixed", role: account, want: "fixed"},
		// A role path is not part of the name; a name without - is its own suffix.
		{tmpl: DefaultNameTemplate, role: StackRole{Output: "x_role_arn", RoleARN: "arn:aws:iam::123456789012:role/team/a/deployer"}, want: "assume-deployer"},
		{tmpl: "{{role_suffix}}", role: StackRole{Output: "x_role_arn", RoleARN: "arn:aws:iam::123456789012:role/trailing-"}, want: "trailing-"},
		{tmpl: "{{role}}", role: StackRole{Output: "x_role_arn", RoleARN: "arn:aws-cn:iam::123456789012:role/cn-admin"}, want: "cn-admin"},
		{tmpl: "", role: account, err: "empty"},
		{tmpl: "assume-{{rolesuffix}}", role: account, err: "unknown placeholder {{rolesuffix}} (allowed: {{output}}, {{role}}, {{role_suffix}})"},
		{tmpl: "assume-{{role", role: account, err: "unclosed {{"},
		{tmpl: "-{{output}}", role: account, err: `gives "-account" for output account_role_arn, which is not a profile name`},
		{tmpl: "a b {{output}}", role: account, err: "not a profile name"},
		{tmpl: "{{role}}{{role}}{{role}}", role: account, err: "characters"},
	}
	for _, tt := range tests {
		got, err := ProfileName(tt.tmpl, tt.role)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ProfileName(%q, %s): %v", tt.tmpl, tt.role.RoleARN, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ProfileName(%q, %s): got error %v, want one containing %q", tt.tmpl, tt.role.RoleARN, err, tt.err)
		case got != tt.want:
			t.Errorf("ProfileName(%q, %s) = %q, want %q", tt.tmpl, tt.role.RoleARN, got, tt.want)
		}
	}
}

func TestCheckNameTemplate(t *testing.T) {
	for tmpl, ok := range map[string]bool{
		DefaultNameTemplate: true, "{{output}}": true, "p-{{ role }}": true, "plain": true,
		"": false, "{{user}}": false, "{{output": false, "x{{}}": false,
	} {
		if err := CheckNameTemplate(tmpl); (err == nil) != ok {
			t.Errorf("CheckNameTemplate(%q) = %v, want ok %v", tmpl, err, ok)
		}
	}
}

func TestPlanStackProfiles(t *testing.T) {
	const existing = `defaults:
  region: eu-west-1
profiles:
  assume-cloudspin_examples-account:
    source: cloudspin_user
    role_arn: ` + accountARN + `
  assume-cloudspin_examples-delivery:
    source: old_user
    role_arn: arn:aws:iam::123456789012:role/old-delivery
    region: us-east-1
    duration: 2h
  legacy:
    source: cloudspin_user
    role_arn: ` + accountARN + "\n"
	cfg, err := Parse("config.yaml", []byte(existing))
	if err != nil {
		t.Fatal(err)
	}
	roles := []StackRole{{"account_role_arn", accountARN}, {"delivery_role_arn", deliveryARN}}
	basic := StackRole{"basic_stacks_role_arn", "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-basic_stacks"}

	got, err := PlanStackProfiles(cfg, append(roles, basic), "cloudspin_user", DefaultNameTemplate, true)
	if err != nil {
		t.Fatal(err)
	}
	oldDelivery := cfg.Profiles["assume-cloudspin_examples-delivery"]
	newDelivery := oldDelivery
	newDelivery.Source, newDelivery.RoleARN = "cloudspin_user", deliveryARN
	want := []StackProfile{
		{Output: "account_role_arn", Action: Unchanged, Profile: cfg.Profiles["assume-cloudspin_examples-account"], SameRole: []string{"legacy"}},
		{Output: "delivery_role_arn", Action: Updated, Profile: newDelivery, Old: oldDelivery},
		{Output: "basic_stacks_role_arn", Action: Added, Profile: Profile{Name: "assume-cloudspin_examples-basic_stacks", Source: "cloudspin_user", RoleARN: basic.RoleARN}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("forced plan (-want +got):\n%s", diff)
	}
	if got[1].Profile.Region != "us-east-1" || got[1].Profile.Duration != 2*time.Hour {
		t.Errorf("update lost the profile's own settings: %+v", got[1].Profile)
	}

	// Without force, every difference is reported, and nothing is planned.
	_, err = PlanStackProfiles(cfg, roles, "cloudspin_user", DefaultNameTemplate, false)
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("unforced plan: got %v, want a *ConflictError", err)
	}
	wantConflicts := []Conflict{
		{Name: "assume-cloudspin_examples-delivery", Output: "delivery_role_arn", Field: "role_arn", Have: "arn:aws:iam::123456789012:role/old-delivery", Want: deliveryARN},
		{Name: "assume-cloudspin_examples-delivery", Output: "delivery_role_arn", Field: "source", Have: "old_user", Want: "cloudspin_user"},
	}
	if diff := cmp.Diff(wantConflicts, ce.Conflicts); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	wantMsg := "config.yaml: profile assume-cloudspin_examples-delivery has role_arn arn:aws:iam::123456789012:role/old-delivery, but output delivery_role_arn is " +
		deliveryARN + "; profile assume-cloudspin_examples-delivery has source old_user, not cloudspin_user"
	if err.Error() != wantMsg {
		t.Errorf("error:\n got %s\nwant %s", err, wantMsg)
	}

	// Only a source that differs is a conflict too.
	_, err = PlanStackProfiles(cfg, roles[:1], "someone_else", DefaultNameTemplate, false)
	if !errors.As(err, &ce) || len(ce.Conflicts) != 1 || ce.Conflicts[0].Field != "source" {
		t.Errorf("source conflict: got %v", err)
	}
}

func TestPlanStackProfilesErrors(t *testing.T) {
	cfg, err := Parse("config.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	account := StackRole{"account_role_arn", accountARN}
	delivery := StackRole{"delivery_role_arn", deliveryARN}
	tests := []struct {
		name, source, tmpl string
		roles              []StackRole
		want               string
	}{
		{"same name twice", "u", "assume", []StackRole{account, delivery}, `outputs account_role_arn and delivery_role_arn both give profile assume with name template "assume"`},
		{"bad source", "-u", DefaultNameTemplate, []StackRole{account}, `source "-u" is not a key set name`},
		{"empty source", "", DefaultNameTemplate, []StackRole{account}, `source "" is not a key set name`},
		{"not a role ARN", "u", DefaultNameTemplate, []StackRole{{"x_role_arn", "arn:aws:iam::123456789012:user/u"}}, `output x_role_arn: "arn:aws:iam::123456789012:user/u" is not an IAM role ARN`},
		{"bad template", "u", "{{nope}}", []StackRole{account}, "unknown placeholder"},
	}
	for _, tt := range tests {
		_, err := PlanStackProfiles(cfg, tt.roles, tt.source, tt.tmpl, false)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// The plan's changes go into config.yaml with InsertProfiles: new entries
// appended, an updated one replaced in place, the user's comments kept.
func TestStackChangesInsert(t *testing.T) {
	const before = `# my profiles
profiles:
  # the old delivery role
  assume-cloudspin_examples-delivery:
    source: cloudspin_user
    role_arn: arn:aws:iam::123456789012:role/old-delivery
    region: us-east-1
  assume-cloudspin_examples-account:
    source: cloudspin_user
    role_arn: ` + accountARN + `
# the end
`
	cfg, err := Parse("config.yaml", []byte(before))
	if err != nil {
		t.Fatal(err)
	}
	roles := []StackRole{{"account_role_arn", accountARN}, {"delivery_role_arn", deliveryARN}, {"basic_stacks_role_arn", "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-basic_stacks"}}
	plan, err := PlanStackProfiles(cfg, roles, "cloudspin_user", DefaultNameTemplate, true)
	if err != nil {
		t.Fatal(err)
	}
	add, replace := StackChanges(plan)
	if len(add) != 2 || !replace {
		t.Fatalf("StackChanges = %d profiles, replace %v; want 2, true", len(add), replace)
	}
	out, err := InsertProfiles("config.yaml", []byte(before), add, replace)
	if err != nil {
		t.Fatal(err)
	}
	want := `# my profiles
profiles:
  # the old delivery role
  assume-cloudspin_examples-delivery:
    source: cloudspin_user
    role_arn: ` + deliveryARN + `
    region: us-east-1
  assume-cloudspin_examples-account:
    source: cloudspin_user
    role_arn: ` + accountARN + `
  assume-cloudspin_examples-basic_stacks:
    source: cloudspin_user
    role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-basic_stacks
# the end
`
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("config.yaml (-want +got):\n%s", diff)
	}
	if add, replace := StackChanges(plan[:1]); add != nil || replace {
		t.Errorf("unchanged profile: StackChanges = %v, %v; want nothing", add, replace)
	}
}
