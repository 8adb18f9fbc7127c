package profiles

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// Attribution settings: what AssumeRole writes into CloudTrail besides the
// session name. source_identity follows the session into every action and
// every role chained from it, which makes "who did this" answerable; tags
// become principal tags for policies (and, when transitive, pass on).

// DefaultSourceIdentity is source_identity when a profile does not set it.
const DefaultSourceIdentity = "{{user}}"

// AWS's limits on session tags.
const (
	MaxSessionTags = 50
	maxTagKey      = 128
	maxTagValue    = 256
)

// Tag is one session tag; Value may hold {{user}} until Resolve renders it.
type Tag struct{ Key, Value string }

var (
	sourceIdentityRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{2,64}$`) })
	tagKeyRE         = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`) })
	tagValueRE       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`) })
)

// sourceIdentityKey reads source_identity. A quoted empty string turns it
// off (for roles whose trust policy does not allow sts:SetSourceIdentity);
// null leaves the default.
func (p *parser) sourceIdentityKey(pr *Profile, f entry, where string) bool {
	s, ok := p.str(f, where)
	if !ok || yamlnode.IsNull(f.Val) {
		return false
	}
	pr.SourceIdentitySet = true
	pr.SourceIdentity = s
	if s == "" {
		return true
	}
	// "ab" stands in for the user: the literal part must already be valid.
	raw, err := renderTemplate(s, "ab")
	if err == nil && !sourceIdentityRE().MatchString(raw) {
		err = fmt.Errorf("must be 2 to 64 characters from letters, digits and _+=,.@- (AWS's SourceIdentity); use \"\" to send none")
	}
	if err != nil {
		p.Errorf(f.Val, "source_identity %q %s %v", s, where, err)
		return false
	}
	return true
}

// sessionTagsKey reads session_tags: a mapping of tag keys to values, at
// most 50, keys unique regardless of case, as STS requires.
func (p *parser) sessionTagsKey(pr *Profile, f entry, where string) bool {
	if yamlnode.IsNull(f.Val) {
		return false
	}
	if f.Val.Kind != yaml.MappingNode {
		p.Errorf(f.Val, "session_tags %s must be a mapping of tag keys to values (team: infra), got %s", where, yamlnode.Describe(f.Val))
		return false
	}
	ok := true
	seen := map[string]string{}
	for _, t := range p.Entries(f.Val, "in session_tags "+where, nil) {
		v, vok := p.str(t, "in session_tags "+where)
		if !vok {
			ok = false
			continue
		}
		var problem string
		rendered, err := renderTemplate(v, "user")
		switch {
		case len(t.Name) > maxTagKey || !tagKeyRE().MatchString(t.Name):
			p.Errorf(t.Key, "session tag key %q %s must be 1 to %d letters, digits, spaces and _.:/=+-@", t.Name, where, maxTagKey)
		case strings.HasPrefix(strings.ToLower(t.Name), "aws:"):
			p.Errorf(t.Key, "session tag key %q %s may not begin with aws: (AWS reserves it)", t.Name, where)
		case seen[strings.ToLower(t.Name)] != "":
			p.Errorf(t.Key, "session tag key %q %s repeats %q: STS compares tag keys regardless of case", t.Name, where, seen[strings.ToLower(t.Name)])
		case err != nil:
			problem = err.Error()
		case len(rendered) > maxTagValue || !tagValueRE().MatchString(rendered):
			problem = fmt.Sprintf("must be at most %d letters, digits, spaces and _.:/=+-@", maxTagValue)
		default:
			seen[strings.ToLower(t.Name)] = t.Name
			pr.SessionTags = append(pr.SessionTags, Tag{Key: t.Name, Value: v})
			continue
		}
		if problem != "" {
			p.Errorf(t.Val, "session tag %s value %q %s %s", t.Name, v, where, problem)
		}
		ok = false
	}
	if len(pr.SessionTags) > MaxSessionTags {
		p.Errorf(f.Key, "session_tags %s has %d tags; STS takes at most %d", where, len(pr.SessionTags), MaxSessionTags)
		ok = false
	}
	return ok && len(pr.SessionTags) > 0
}

// transitiveKeys reads transitive_tag_keys, a list of keys of session_tags
// (checked by checkTransitive once the whole profile is read).
func (p *parser) transitiveKeys(pr *Profile, f entry, where string) bool {
	if yamlnode.IsNull(f.Val) {
		return false
	}
	if f.Val.Kind != yaml.SequenceNode {
		p.Errorf(f.Val, "transitive_tag_keys %s must be a list of keys of session_tags, got %s", where, yamlnode.Describe(f.Val))
		return false
	}
	for _, n := range f.Val.Content {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			p.Errorf(n, "transitive_tag_keys %s must be strings, got %s", where, yamlnode.Describe(n))
			return false
		}
		pr.TransitiveTagKeys = append(pr.TransitiveTagKeys, n.Value)
	}
	return len(pr.TransitiveTagKeys) > 0
}

// checkAttribution reports transitive keys that name no session tag (STS
// would refuse every AssumeRole of the profile) and settings a web_identity
// source cannot send: AssumeRoleWithWebIdentity takes them from the token.
func (p *parser) checkAttribution(pr *Profile, set map[string]*yaml.Node, where string) {
	if pr.Kind == KindWebIdentity {
		for _, k := range []string{"source_identity", "session_tags", "transitive_tag_keys"} {
			if n := set[k]; n != nil {
				p.Warnf(n, "%s has no effect %s: its source is web_identity, whose sessions take source identity and tags from the token's claims", k, where)
			}
		}
		return
	}
	n := set["transitive_tag_keys"]
	if n == nil {
		return
	}
	for i, k := range pr.TransitiveTagKeys {
		found := false
		for _, t := range pr.SessionTags {
			found = found || t.Key == k
		}
		if !found {
			at := n
			if i < len(n.Content) {
				at = n.Content[i]
			}
			p.Errorf(at, "transitive tag key %q %s is not a key of session_tags (STS requires it to be)", k, where)
		}
	}
}

// renderTemplate fills in {{user}} (spaces inside the braces allowed);
// other placeholders are errors, so a typo such as {{usr}} is caught when
// the config loads rather than sent to STS.
func renderTemplate(tmpl, user string) (string, error) {
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("has an unclosed {{ (allowed placeholder: {{user}})")
		}
		if name := strings.TrimSpace(rest[i+2 : i+j]); name != "user" {
			return "", fmt.Errorf("has an unknown placeholder {{%s}} (allowed: {{user}})", name)
		}
		b.WriteString(user)
		rest = rest[i+j+2:]
	}
}

// resolveAttribution renders the profile's source identity and tags for
// user. An odd user name is sanitised, never an error: it comes from the
// OS, not from the file.
func resolveAttribution(p Profile, user string) (sourceIdentity string, tags []Tag) {
	tmpl := DefaultSourceIdentity
	if p.SourceIdentitySet {
		tmpl = p.SourceIdentity
	}
	if tmpl != "" {
		if s, err := renderTemplate(tmpl, user); err == nil && user != "" || !strings.Contains(tmpl, "{{") {
			sourceIdentity = SanitizeSessionName(s)
		}
	}
	for _, t := range p.SessionTags {
		v, err := renderTemplate(t.Value, tagSafe(user))
		if err != nil {
			continue // Parse has refused it; a hand-built Config gets no tag
		}
		tags = append(tags, Tag{Key: t.Key, Value: v})
	}
	return sourceIdentity, tags
}

// tagSafe replaces what a tag value may not hold.
func tagSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if tagValueRE().MatchString(string(r)) {
			return r
		}
		return '_'
	}, s)
}

// allowedCallersKey reads allowed_callers: executable path globs
// (filepath.Match syntax, ~ expanded), matched by spind against the program that
// asked for the profile's credentials.
func (p *parser) allowedCallersKey(pr *Profile, f entry, where string) bool {
	if yamlnode.IsNull(f.Val) {
		return false
	}
	if f.Val.Kind != yaml.SequenceNode {
		p.Errorf(f.Val, "allowed_callers %s must be a list of executable paths or globs (like /usr/bin/aws or ~/bin/*), got %s", where, yamlnode.Describe(f.Val))
		return false
	}
	ok := true
	for _, n := range f.Val.Content {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || n.Value == "" {
			p.Errorf(n, "allowed_callers %s must be executable paths, got %s", where, yamlnode.Describe(n))
			ok = false
			continue
		}
		glob, err := expandHome(n.Value)
		if err == nil {
			_, err = filepath.Match(glob, "")
		}
		if err != nil {
			p.Errorf(n, "allowed_callers entry %q %s %v", n.Value, where, err)
			ok = false
			continue
		}
		pr.AllowedCallers = append(pr.AllowedCallers, glob)
	}
	return ok && len(pr.AllowedCallers) > 0
}
