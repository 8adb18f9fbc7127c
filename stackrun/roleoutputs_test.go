package stackrun

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/cloudspin/spin/profiles"
)

func TestRoleOutputs(t *testing.T) {
	const arn = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-"
	list := `["` + arn + `a", "` + arn + `b"]`
	out := func(v string, sensitive bool) tfexec.OutputMeta {
		return tfexec.OutputMeta{Value: json.RawMessage(v), Sensitive: sensitive}
	}
	tests := []struct {
		name        string
		outputs     map[string]tfexec.OutputMeta
		want        []profiles.StackRole
		wantSkipped []string
	}{
		{name: "none", outputs: nil},
		{
			name: "the iam-roles example, sorted by output",
			outputs: map[string]tfexec.OutputMeta{
				"delivery_role_arn":     out(`"`+arn+`delivery"`, false),
				"account_role_arn":      out(`"`+arn+`account"`, false),
				"basic_stacks_role_arn": out(`"`+arn+`basic_stacks"`, false),
				"bucket":                out(`"statebucket"`, false),
			},
			want: []profiles.StackRole{
				{Output: "account_role_arn", RoleARN: arn + "account"},
				{Output: "basic_stacks_role_arn", RoleARN: arn + "basic_stacks"},
				{Output: "delivery_role_arn", RoleARN: arn + "delivery"},
			},
		},
		{
			name: "other names are ignored, odd values skipped with a reason",
			outputs: map[string]tfexec.OutputMeta{
				"role_arn":            out(`"`+arn+`x"`, false),
				"account_role_arn_v2": out(`"`+arn+`x"`, false),
				"secret_role_arn":     out(`"`+arn+`secret"`, true),
				"list_role_arn":       out(list, false),
				"null_role_arn":       out(`null`, false),
				"user_role_arn":       out(`"arn:aws:iam::123456789012:user/cloudspin_user"`, false),
				"long_role_arn":       out(`"`+strings.Repeat("x", 100)+`"`, false),
				"ok_role_arn":         out(`"`+arn+`ok"`, false),
			},
			want: []profiles.StackRole{{Output: "ok_role_arn", RoleARN: arn + "ok"}},
			wantSkipped: []string{
				"output list_role_arn is not a string: " + list[:77] + "...",
				`output long_role_arn is "` + strings.Repeat("x", 77) + `...", not an IAM role ARN`,
				"output null_role_arn is null",
				"output secret_role_arn is sensitive",
				`output user_role_arn is "arn:aws:iam::123456789012:user/cloudspin_user", not an IAM role ARN`,
			},
		},
	}
	for _, tt := range tests {
		got, skipped := RoleOutputs(tt.outputs)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: roles (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.wantSkipped, skipped); diff != "" {
			t.Errorf("%s: skipped (-want +got):\n%s", tt.name, diff)
		}
	}
}
