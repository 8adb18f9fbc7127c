package stackrun

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/profiles"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// spec says what a key may hold: a mapping of known keys, a checked
// string, a boolean, or the free-form parameters.
type spec struct {
	name   string              // dotted path, for messages
	fields []field             // a mapping of these keys
	str    func(string) string // a string; returns a problem, "" if fine
	flag   bool                // true or false
	params bool                // tofu variable names to any YAML value
}

type field struct {
	name string
	spec *spec
}

func section(name string, fields ...field) *spec { return &spec{name: name, fields: fields} }
func text(check func(string) string) *spec       { return &spec{str: check} }
func boolean() *spec                             { return &spec{flag: true} }

func (s *spec) known() []string {
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.name
	}
	return names
}

func (s *spec) field(name string) *spec {
	for _, f := range s.fields {
		if f.name == name {
			return f.spec
		}
	}
	return nil
}

// backendFlags are the s3 backend's boolean settings spin passes through.
// The skip_* settings and use_path_style are what S3-compatible stores and
// the emulator need; use_lockfile is always on and not a setting.
var backendFlags = []string{"encrypt", "use_path_style", "skip_credentials_validation", "skip_region_validation",
	"skip_requesting_account_id", "skip_metadata_api_check", "skip_s3_checksum"}

// endpointNames are the s3 backend's endpoints block keys spin passes on.
var endpointNames = []string{"s3", "sts", "iam"}

// schema is built on first use: spin links stackrun, and every spin
// process (the credential helper too) would otherwise build it at start.
var schema = sync.OnceValue(func() *spec {
	backend := section("terraform_backend",
		field{"bucket", text(checkBucket)},
		field{"key", text(checkKey)},
		field{"region", text(checkRegion)},
		field{"role_arn", text(checkRoleARN)},
		field{"profile", text(checkProfile)},
	)
	endpoints := section("terraform_backend.endpoints")
	for _, n := range endpointNames {
		endpoints.fields = append(endpoints.fields, field{n, text(checkURL)})
	}
	backend.fields = append(backend.fields, field{"endpoints", endpoints})
	for _, n := range backendFlags {
		backend.fields = append(backend.fields, field{n, boolean()})
	}
	return section("",
		field{"instance", section("instance", field{"group", text(checkGroup)})},
		field{"parameters", &spec{name: "parameters", params: true}},
		field{"terraform_backend", backend},
		field{"resources", section("resources",
			field{"aws_profile", text(checkProfile)},
			field{"assume_role_profile", text(checkProfile)},
			field{"assume_role_arn", text(checkRoleARN)},
			field{"region", text(checkRegion)},
		)},
	)
})

// walk checks n against s and converts it. name is n's key and where says
// where that key is, both for messages. A null section returns nil (it
// changes nothing when merged); a null or empty leaf is kept, so a later
// file can unset what an earlier one set.
func (p *parser) walk(n *yaml.Node, s *spec, name, where string) *value {
	switch {
	case s.params:
		return p.params(n)
	case s.fields != nil || s.str == nil && !s.flag:
		if yamlnode.IsNull(n) {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			p.Errorf(n, "%s must be a mapping, got %s", s.name, yamlnode.Describe(n))
			return nil
		}
		out := newMap(p.pos(n))
		inner := "in " + s.name
		if s.name == "" {
			inner = "at the top level"
		}
		for _, e := range p.Entries(n, inner, s.known()) {
			if v := p.walk(e.Val, s.field(e.Name), e.Name, inner); v != nil {
				out.set(e.Name, v)
			}
		}
		return out
	}
	v := &value{kind: scalarKind, text: n.Value, tag: n.ShortTag(), pos: p.pos(n)}
	switch {
	case yamlnode.IsNull(n):
		v.text = "null"
		return v
	case s.flag && n.Kind == yaml.ScalarNode && v.tag == "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			p.Errorf(n, "%s %s: %v", name, where, err)
			return nil
		}
		v.scalar = b
		return v
	case s.flag:
		p.Errorf(n, "%s %s must be true or false, got %s", name, where, yamlnode.Describe(n))
	case n.Kind == yaml.ScalarNode && v.tag == "!!str":
		if problem := s.str(n.Value); n.Value != "" && problem != "" {
			p.Errorf(n, "%s %q %s %s", name, n.Value, where, problem)
			return nil
		}
		if n.Value != "" { // an empty string unsets, like null
			v.scalar = n.Value
		}
		return v
	case n.Kind == yaml.ScalarNode:
		p.Errorf(n, "%s %s must be a string, got %s (quote it: %q)", name, where, yamlnode.Describe(n), n.Value)
	default:
		p.Errorf(n, "%s %s must be a string, got %s", name, where, yamlnode.Describe(n))
	}
	return nil
}

var identRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`) })

// params converts the parameters mapping: tofu variable names to values.
func (p *parser) params(n *yaml.Node) *value {
	if yamlnode.IsNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.Errorf(n, "parameters must be a mapping of tofu variable names to values, got %s", yamlnode.Describe(n))
		return nil
	}
	out := newMap(p.pos(n))
	for _, e := range p.Entries(n, "in parameters", nil) {
		if !identRE().MatchString(e.Name) {
			p.Errorf(e.Key, "parameter %q is not a tofu variable name (a letter or _, then letters, digits, _ and -)", e.Name)
			continue
		}
		if v := p.anyValue(e.Val, e.Name); v != nil {
			out.set(e.Name, v)
		}
	}
	return out
}

var (
	groupRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`) })
	bucketRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`) })
)

const placeholder = "XXXXXXXXXXXX"

func checkGroup(s string) string {
	if groupRE().MatchString(s) {
		return ""
	}
	return "is not an instance name (1 to 64 letters, digits, _ . and -, starting with a letter or digit: it names the state file and the role session)"
}

func checkBucket(s string) string {
	switch {
	case strings.Contains(s, placeholder):
		return "still holds the placeholder " + placeholder + ": put your state bucket's name"
	case !bucketRE().MatchString(s):
		return "is not an S3 bucket name (3 to 63 lowercase letters, digits, . and -)"
	}
	return ""
}

func checkKey(s string) string {
	if strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.Contains(s, "//") {
		return "is not an object key such as iam-roles/NAME.tfstate (no leading, trailing or double /)"
	}
	return ""
}

func checkRegion(s string) string {
	if profiles.IsRegion(s) {
		return ""
	}
	return "is not an AWS region name (lowercase letters, digits and -, like eu-west-1)"
}

func checkRoleARN(s string) string {
	switch {
	case strings.Contains(s, placeholder):
		return "still holds the placeholder " + placeholder + ": put your AWS account id"
	case !profiles.IsRoleARN(s):
		return "is not an IAM role ARN (want arn:aws:iam::<12-digit account>:role/<name>)"
	}
	return ""
}

func checkProfile(s string) string {
	if err := profiles.CheckName(s); err != nil {
		return "is not a profile name: " + err.Error()
	}
	return ""
}

func checkURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || !slices.Contains([]string{"http", "https"}, u.Scheme) || u.Host == "" {
		return "is not an http:// or https:// URL"
	}
	return ""
}
