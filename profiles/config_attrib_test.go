package profiles

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAttributionResolves(t *testing.T) {
	c := parse(t, `
profiles:
  tagged:
    source: k
    role_arn: `+arn+`
    source_identity: "{{user}}@corp"
    session_tags:
      team: infra
      owner: "{{user}}"
    transitive_tag_keys: [team]
    allowed_callers: [/usr/bin/aws, "~/bin/*"]
  default:
    source: k
    role_arn: `+arn+`
  off:
    source: k
    role_arn: `+arn+`
    source_identity: ""
`)
	c.User = "Bob Smith"
	r, err := c.Resolve("tagged")
	if err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	if r.SourceIdentity != "Bob_Smith@corp" {
		t.Errorf("SourceIdentity %q, want the user sanitised for STS: Bob_Smith@corp", r.SourceIdentity)
	}
	if d := cmp.Diff([]Tag{{"team", "infra"}, {"owner", "Bob Smith"}}, r.SessionTags); d != "" {
		t.Errorf("SessionTags (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"team"}, r.TransitiveTagKeys); d != "" {
		t.Errorf("TransitiveTagKeys (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"/usr/bin/aws", filepath.Join(home, "bin/*")}, r.AllowedCallers); d != "" {
		t.Errorf("AllowedCallers (-want +got):\n%s", d)
	}
	if r, _ := c.Resolve("default"); r.SourceIdentity != "Bob_Smith" || r.SessionTags != nil {
		t.Errorf("default profile: SourceIdentity %q tags %v, want the OS user and no tags", r.SourceIdentity, r.SessionTags)
	}
	if r, _ := c.Resolve("off"); r.SourceIdentity != "" {
		t.Errorf(`source_identity "" resolved to %q, want none`, r.SourceIdentity)
	}
}

func TestAttributionErrors(t *testing.T) {
	head := "profiles:\n  x:\n    source: k\n    role_arn: " + arn + "\n"
	var many strings.Builder
	for i := range 51 {
		fmt.Fprintf(&many, "      k%d: v\n", i)
	}
	for _, tt := range []struct{ name, src, want string }{
		{"source identity with a space", "    source_identity: alice smith\n",
			`config.yaml:5:22: source_identity "alice smith" in profile "x" must be 2 to 64 characters from letters, digits and _+=,.@- (AWS's SourceIdentity); use "" to send none`},
		{"source identity with a typo placeholder", "    source_identity: \"{{usr}}\"\n",
			`config.yaml:5:22: source_identity "{{usr}}" in profile "x" has an unknown placeholder {{usr}} (allowed: {{user}})`},
		{"tags as a list", "    session_tags: [a]\n",
			`config.yaml:5:19: session_tags in profile "x" must be a mapping of tag keys to values (team: infra), got a list`},
		{"tag value a number", "    session_tags:\n      cost: 42\n",
			`config.yaml:6:13: cost in session_tags in profile "x" must be a string, got a number (quote it: "42")`},
		{"tag value with ;", "    session_tags:\n      team: a;b\n",
			`config.yaml:6:13: session tag team value "a;b" in profile "x" must be at most 256 letters, digits, spaces and _.:/=+-@`},
		{"reserved tag key", "    session_tags:\n      aws:team: a\n",
			`config.yaml:6:7: session tag key "aws:team" in profile "x" may not begin with aws: (AWS reserves it)`},
		{"tag keys differing in case", "    session_tags:\n      team: a\n      Team: b\n",
			`config.yaml:7:7: session tag key "Team" in profile "x" repeats "team": STS compares tag keys regardless of case`},
		{"51 tags", "    session_tags:\n" + many.String(),
			`config.yaml:5:5: session_tags in profile "x" has 51 tags; STS takes at most 50`},
		{"transitive key not a tag", "    session_tags: {team: a}\n    transitive_tag_keys: [team, project]\n",
			`config.yaml:6:33: transitive tag key "project" in profile "x" is not a key of session_tags (STS requires it to be)`},
		{"allowed_callers a string", "    allowed_callers: /usr/bin/aws\n",
			`config.yaml:5:22: allowed_callers in profile "x" must be a list of executable paths or globs (like /usr/bin/aws or ~/bin/*), got a string`},
		{"allowed_callers relative", "    allowed_callers: [bin/aws]\n",
			`config.yaml:5:23: allowed_callers entry "bin/aws" in profile "x" must be an absolute path or start with ~/ (only the current user's ~ is expanded)`},
		{"allowed_callers bad glob", "    allowed_callers: [\"/usr/bin/[a\"]\n",
			`config.yaml:5:23: allowed_callers entry "/usr/bin/[a" in profile "x" syntax error in pattern`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.yaml", []byte(head+tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestAttributionWarnings(t *testing.T) {
	c := parse(t, "profiles:\n  boot:\n    source: k\n    session_tags: {team: a}\n")
	want := []string{`config.yaml:4:19: session_tags has no effect in bootstrap profile "boot" (it has no role_arn)`}
	if d := cmp.Diff(want, c.Warnings); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}
