package stackrun

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/cloudspin/spin/profiles"
)

// RoleOutputs picks the outputs named *_role_arn whose value is an IAM role
// ARN string, sorted by name, for `spin profiles write --from-stack`.
// skipped says why each other *_role_arn output was left out. A sensitive
// output is skipped too: its value would land in config.yaml and on the
// terminal.
func RoleOutputs(out map[string]tfexec.OutputMeta) (roles []profiles.StackRole, skipped []string) {
	for _, name := range slices.Sorted(maps.Keys(out)) {
		if !strings.HasSuffix(name, profiles.RoleOutputSuffix) {
			continue
		}
		o := out[name]
		if o.Sensitive {
			skipped = append(skipped, fmt.Sprintf("output %s is sensitive", name))
			continue
		}
		var arn string
		if v := strings.TrimSpace(string(o.Value)); v == "" || v == "null" {
			skipped = append(skipped, fmt.Sprintf("output %s is null", name))
			continue
		}
		if err := json.Unmarshal(o.Value, &arn); err != nil {
			skipped = append(skipped, fmt.Sprintf("output %s is not a string: %s", name, shorten(string(o.Value))))
			continue
		}
		if !profiles.IsRoleARN(arn) {
			skipped = append(skipped, fmt.Sprintf("output %s is %q, not an IAM role ARN", name, shorten(arn)))
			continue
		}
		roles = append(roles, profiles.StackRole{Output: name, RoleARN: arn})
	}
	return roles, skipped
}

// shorten keeps a message about an odd value to one readable line.
func shorten(s string) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > 80 {
		return string(r[:77]) + "..."
	}
	return string(r)
}
