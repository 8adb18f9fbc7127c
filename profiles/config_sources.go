package profiles

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// SourceKind says where a profile's base identity comes from (DESIGN.md,
// "Sources").
type SourceKind string

// The source kinds. A profile whose source is not an entry of sources:
// names a key set in the keyring.
const (
	KindKeySet      SourceKind = "key_set"
	KindSSO         SourceKind = "sso"
	KindLogin       SourceKind = "login"
	KindWebIdentity SourceKind = "web_identity"
)

// DefaultAudience is the aud a web_identity source asks for: what IAM's
// OIDC providers for GitHub expect, as aws-actions/configure-aws-credentials
// asks for it.
const DefaultAudience = "sts.amazonaws.com"

// DefaultSSOScope is what `aws sso login` asks for.
const DefaultSSOScope = "sso:account:access"

// SourceDef is one entry of sources: in config.yaml. Exactly one of the
// kind-specific parts is used, the one Kind names.
type SourceDef struct {
	Name        string
	Kind        SourceKind
	SSO         SSOSource
	Login       LoginSource
	WebIdentity WebIdentitySource
}

// SSOSource is IAM Identity Center: profiles get GetRoleCredentials for their
// sso_account_id and sso_role_name.
type SSOSource struct {
	StartURL string
	Region   string // the Identity Center region (sso_region)
	Scopes   []string
}

// LoginSource is the console sign-in `aws login` does.
type LoginSource struct {
	Region string
}

// WebIdentitySource is an OIDC token (CI) exchanged with
// AssumeRoleWithWebIdentity. Exactly one of GitHubActions, TokenFile and
// TokenCommand is set.
type WebIdentitySource struct {
	GitHubActions bool
	TokenFile     string // absolute; re-read for every call
	TokenCommand  string // run with sh -c for every call; prints the token
	Audience      string
}

// String describes where the token comes from, for messages and logs.
func (w WebIdentitySource) String() string {
	switch {
	case w.GitHubActions:
		return "GitHub Actions' OIDC token"
	case w.TokenFile != "":
		return "the token in " + w.TokenFile
	}
	return "the token printed by token_command"
}

// Fingerprint renders the settings that shape the sessions a source makes,
// so spind can drop cached sessions when they change.
func (d SourceDef) Fingerprint() string {
	switch d.Kind {
	case KindSSO:
		return fmt.Sprintf("sso|%s|%s|%s", d.SSO.StartURL, d.SSO.Region, strings.Join(d.SSO.Scopes, " "))
	case KindLogin:
		return "login|" + d.Login.Region
	case KindWebIdentity:
		w := d.WebIdentity
		return fmt.Sprintf("web_identity|%t|%s|%s|%s", w.GitHubActions, w.TokenFile, w.TokenCommand, w.Audience)
	}
	return string(d.Kind)
}

var (
	sourceKinds    = []string{string(KindSSO), string(KindLogin), string(KindWebIdentity)}
	ssoKeys        = []string{"start_url", "region", "scopes"}
	loginKeys      = []string{"region"}
	webIdentityKey = []string{"github_actions", "token_file", "token_command", "audience"}
	// keys of a profile that only mean something for one source kind
	ssoProfileKeys = []string{"sso_account_id", "sso_role_name"}
	accountIDRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	roleNameRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{1,64}$`) })
	scopeRE        = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[!-~]{1,256}$`) })
)

func (p *parser) sources(e entry) {
	for _, f := range p.section(e, "sources") {
		valid := true
		if err := CheckName(f.name); err != nil {
			p.errorf(f.key, "invalid source name %q: %v", f.name, err)
			valid = false
		}
		d, ok := p.source(f)
		if valid && ok {
			p.origin("sources."+f.name, f.key)
			p.cfg.SourceOrder = append(p.cfg.SourceOrder, f.name)
			p.cfg.Sources[f.name] = d
		}
	}
}

// source parses one sources: entry; ok is false when its kind is unclear.
func (p *parser) source(e entry) (SourceDef, bool) {
	d := SourceDef{Name: e.name}
	what := fmt.Sprintf("source %q", e.name)
	if e.val.Kind != yaml.MappingNode && !yamlnode.IsNull(e.val) {
		p.section(e, what) // reports the type
		return d, false
	}
	var kinds []entry
	for _, f := range p.section(e, what) {
		if !slices.Contains(sourceKinds, f.name) {
			p.unknown(f, "in "+what, sourceKinds)
			continue
		}
		kinds = append(kinds, f)
	}
	switch len(kinds) {
	case 0:
		p.errorf(e.key, "%s has no kind: give it one of %s (see DESIGN.md, Sources)", what, strings.Join(sourceKinds, ", "))
		return d, false
	case 1:
	default:
		p.errorf(kinds[1].key, "%s has both %s and %s: a source is one kind (split it into two sources)", what, kinds[0].name, kinds[1].name)
		return d, false
	}
	k := kinds[0]
	d.Kind = SourceKind(k.name)
	base := "sources." + e.name + "." + k.name
	p.origin(base, k.key)
	where := fmt.Sprintf("in %s (%s)", what, k.name)
	switch d.Kind {
	case KindSSO:
		d.SSO = p.ssoSource(k, base, where)
	case KindLogin:
		for _, f := range p.section(k, fmt.Sprintf("%s %s", what, k.name)) {
			if f.name != "region" {
				p.unknown(f, where, loginKeys)
				continue
			}
			p.origin(base+"."+f.name, f.key)
			d.Login.Region, _ = p.region(f, where)
		}
	case KindWebIdentity:
		d.WebIdentity = p.webIdentitySource(k, base, where)
	}
	return d, true
}

func (p *parser) ssoSource(k entry, base, where string) SSOSource {
	var s SSOSource
	given := map[string]bool{} // a bad value is reported once, not also as missing
	for _, f := range p.section(k, strings.TrimPrefix(where, "in ")) {
		if !slices.Contains(ssoKeys, f.name) {
			p.unknown(f, where, ssoKeys)
			continue
		}
		p.origin(base+"."+f.name, f.key)
		given[f.name] = !yamlnode.IsNull(f.val)
		switch f.name {
		case "start_url":
			v, ok := p.str(f, where)
			if !ok || v == "" {
				given[f.name] = !ok
				continue
			}
			if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
				p.errorf(f.val, "start_url %q %s is not an https URL (the AWS access portal URL, like https://d-1234567890.awsapps.com/start)", v, where)
				continue
			}
			s.StartURL = v
		case "region":
			s.Region, _ = p.region(f, where)
		case "scopes":
			s.Scopes = p.scopes(f, where)
		}
	}
	if !given["start_url"] {
		p.errorf(k.key, "start_url is missing %s (the AWS access portal URL, like https://d-1234567890.awsapps.com/start)", where)
	}
	if !given["region"] {
		p.errorf(k.key, "region is missing %s (the Identity Center region, sso_region in ~/.aws/config)", where)
	}
	if len(s.Scopes) == 0 {
		s.Scopes = []string{DefaultSSOScope}
	}
	return s
}

func (p *parser) scopes(f entry, where string) []string {
	if yamlnode.IsNull(f.val) {
		return nil
	}
	if f.val.Kind != yaml.SequenceNode {
		p.errorf(f.val, "scopes %s must be a list of strings, got %s", where, yamlnode.Describe(f.val))
		return nil
	}
	var out []string
	for _, n := range f.val.Content {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || !scopeRE().MatchString(n.Value) {
			p.errorf(n, "scopes %s must be strings without spaces, like %s; got %s", where, DefaultSSOScope, yamlnode.Describe(n))
			continue
		}
		out = append(out, n.Value)
	}
	return out
}

func (p *parser) webIdentitySource(k entry, base, where string) WebIdentitySource {
	var w WebIdentitySource
	var from []entry // the token settings given
	for _, f := range p.section(k, strings.TrimPrefix(where, "in ")) {
		if !slices.Contains(webIdentityKey, f.name) {
			p.unknown(f, where, webIdentityKey)
			continue
		}
		p.origin(base+"."+f.name, f.key)
		switch f.name {
		case "github_actions":
			v, ok := p.boolean(f, where)
			if ok && v {
				w.GitHubActions = true
				from = append(from, f)
			}
		case "token_file":
			v, ok := p.str(f, where)
			if !ok || v == "" {
				continue
			}
			path, err := expandHome(v)
			if err != nil {
				p.errorf(f.val, "token_file %q %s %v", v, where, err)
				continue
			}
			w.TokenFile = path
			from = append(from, f)
		case "token_command":
			v, ok := p.str(f, where)
			if ok && strings.TrimSpace(v) != "" {
				w.TokenCommand = v
				from = append(from, f)
			}
		case "audience":
			v, ok := p.str(f, where)
			if ok && v != "" {
				w.Audience = v
			}
		}
	}
	switch len(from) {
	case 0:
		p.errorf(k.key, "%s needs one of github_actions: true, token_file: PATH or token_command: CMD", strings.TrimPrefix(where, "in "))
	case 1:
	default:
		p.errorf(from[1].key, "%s sets both %s and %s: give exactly one place to get the token from", strings.TrimPrefix(where, "in "), from[0].name, from[1].name)
	}
	if w.Audience == "" {
		w.Audience = DefaultAudience
	}
	return w
}

// boolean parses true/false; ok is false for null or after an error.
func (p *parser) boolean(f entry, where string) (v, ok bool) {
	if yamlnode.IsNull(f.val) {
		return false, false
	}
	if f.val.Kind != yaml.ScalarNode || f.val.ShortTag() != "!!bool" {
		p.errorf(f.val, "%s %s must be true or false, got %s", f.name, where, yamlnode.Describe(f.val))
		return false, false
	}
	return f.val.Value == "true" || f.val.Value == "True" || f.val.Value == "TRUE", true
}

// checkProfileSource checks what a profile sets against the kind of its
// source; set holds the keys with a usable value.
func (p *parser) checkProfileSource(e entry, pr *Profile, set map[string]*yaml.Node, where string) {
	if pr.Source == "" {
		return
	}
	d, isSource := p.cfg.Sources[pr.Source]
	kind := KindKeySet
	if isSource {
		kind = d.Kind
	}
	pr.Kind = kind
	if kind != KindSSO {
		for _, k := range ssoProfileKeys {
			if n := set[k]; n != nil {
				p.errorf(n, "%s %s only applies to profiles of an sso source, and %q is %s", k, where, pr.Source, kindPhrase(kind))
			}
		}
	}
	if n := set["mfa_serial"]; n != nil && kind != KindKeySet {
		p.errorf(n, "mfa_serial %s only applies to key sets: source %q is %s, whose sign-in does MFA itself", where, pr.Source, kindPhrase(kind))
	}
	switch kind {
	case KindSSO:
		var missing []string
		for _, k := range ssoProfileKeys {
			if set[k] == nil {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			p.errorf(e.key, "profile %q uses sso source %q and needs %s (the account and the permission set's role, as in the access portal)", e.name, pr.Source, strings.Join(missing, " and "))
		}
	case KindWebIdentity:
		if pr.RoleARN == "" {
			p.errorf(e.key, "profile %q uses web_identity source %q and needs a role_arn: the role whose trust policy allows the token (see README, Running in CI)", e.name, pr.Source)
		}
	}
}

func kindPhrase(k SourceKind) string {
	switch k {
	case KindKeySet:
		return "a key set"
	case KindSSO:
		return "an sso source"
	case KindLogin:
		return "a login source"
	}
	return "a " + string(k) + " source"
}

func (p *parser) ssoKey(pr *Profile, f entry, where string) bool {
	s, ok := p.str(f, where)
	if !ok || s == "" {
		if ok {
			p.errorf(f.val, "%s %s is empty", f.name, where)
		}
		return false
	}
	switch f.name {
	case "sso_account_id":
		if !accountIDRE().MatchString(s) {
			p.errorf(f.val, "sso_account_id %q %s is not an AWS account id (12 digits, quoted)", s, where)
			return false
		}
		pr.SSOAccountID = s
	case "sso_role_name":
		if !roleNameRE().MatchString(s) {
			p.errorf(f.val, "sso_role_name %q %s is not a role name (1 to 64 of letters, digits and _+=,.@-)", s, where)
			return false
		}
		pr.SSORoleName = s
	}
	return true
}
