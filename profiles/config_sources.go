package profiles

import (
	"fmt"
	"net/url"
	"regexp"
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
	for _, f := range p.section(e, "sources", nil) {
		valid := true
		if err := CheckName(f.Name); err != nil {
			p.Errorf(f.Key, "invalid source name %q: %v", f.Name, err)
			valid = false
		}
		d, ok := p.source(f)
		if valid && ok {
			p.origin("sources."+f.Name, f.Key)
			p.cfg.SourceOrder = append(p.cfg.SourceOrder, f.Name)
			p.cfg.Sources[f.Name] = d
		}
	}
}

// source parses one sources: entry; ok is false when its kind is unclear.
func (p *parser) source(e entry) (SourceDef, bool) {
	d := SourceDef{Name: e.Name}
	what := fmt.Sprintf("source %q", e.Name)
	if e.Val.Kind != yaml.MappingNode && !yamlnode.IsNull(e.Val) {
		p.section(e, what, nil) // reports the type
		return d, false
	}
	kinds := p.section(e, what, sourceKinds)
	switch len(kinds) {
	case 0:
		p.Errorf(e.Key, "%s has no kind: give it one of %s (see 'spin help config', sources)", what, strings.Join(sourceKinds, ", "))
		return d, false
	case 1:
	default:
		p.Errorf(kinds[1].Key, "%s has both %s and %s: a source is one kind (split it into two sources)", what, kinds[0].Name, kinds[1].Name)
		return d, false
	}
	k := kinds[0]
	d.Kind = SourceKind(k.Name)
	base := "sources." + e.Name + "." + k.Name
	p.origin(base, k.Key)
	where := fmt.Sprintf("in %s (%s)", what, k.Name)
	switch d.Kind {
	case KindSSO:
		d.SSO = p.ssoSource(k, base, where)
	case KindLogin:
		for _, f := range p.section(k, strings.TrimPrefix(where, "in "), loginKeys) {
			p.origin(base+"."+f.Name, f.Key)
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
	for _, f := range p.section(k, strings.TrimPrefix(where, "in "), ssoKeys) {
		p.origin(base+"."+f.Name, f.Key)
		given[f.Name] = !yamlnode.IsNull(f.Val)
		switch f.Name {
		case "start_url":
			v, ok := p.str(f, where)
			if !ok || v == "" {
				given[f.Name] = !ok
				continue
			}
			if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
				p.Errorf(f.Val, "start_url %q %s is not an https URL (the AWS access portal URL, like https://d-1234567890.awsapps.com/start)", v, where)
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
		p.Errorf(k.Key, "start_url is missing %s (the AWS access portal URL, like https://d-1234567890.awsapps.com/start)", where)
	}
	if !given["region"] {
		p.Errorf(k.Key, "region is missing %s (the Identity Center region, sso_region in ~/.aws/config)", where)
	}
	if len(s.Scopes) == 0 {
		s.Scopes = []string{DefaultSSOScope}
	}
	return s
}

func (p *parser) scopes(f entry, where string) []string {
	if yamlnode.IsNull(f.Val) {
		return nil
	}
	if f.Val.Kind != yaml.SequenceNode {
		p.Errorf(f.Val, "scopes %s must be a list of strings, got %s", where, yamlnode.Describe(f.Val))
		return nil
	}
	var out []string
	for _, n := range f.Val.Content {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || !scopeRE().MatchString(n.Value) {
			p.Errorf(n, "scopes %s must be strings without spaces, like %s; got %s", where, DefaultSSOScope, yamlnode.Describe(n))
			continue
		}
		out = append(out, n.Value)
	}
	return out
}

func (p *parser) webIdentitySource(k entry, base, where string) WebIdentitySource {
	var w WebIdentitySource
	var from []entry // the token settings given
	for _, f := range p.section(k, strings.TrimPrefix(where, "in "), webIdentityKey) {
		p.origin(base+"."+f.Name, f.Key)
		switch f.Name {
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
				p.Errorf(f.Val, "token_file %q %s %v", v, where, err)
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
		p.Errorf(k.Key, "%s needs one of github_actions: true, token_file: PATH or token_command: CMD", strings.TrimPrefix(where, "in "))
	case 1:
	default:
		p.Errorf(from[1].Key, "%s sets both %s and %s: give exactly one place to get the token from", strings.TrimPrefix(where, "in "), from[0].Name, from[1].Name)
	}
	if w.Audience == "" {
		w.Audience = DefaultAudience
	}
	return w
}

// boolean parses true/false; ok is false for null or after an error.
func (p *parser) boolean(f entry, where string) (v, ok bool) {
	if yamlnode.IsNull(f.Val) {
		return false, false
	}
	if f.Val.Kind != yaml.ScalarNode || f.Val.ShortTag() != "!!bool" {
		p.Errorf(f.Val, "%s %s must be true or false, got %s", f.Name, where, yamlnode.Describe(f.Val))
		return false, false
	}
	return f.Val.Value == "true" || f.Val.Value == "True" || f.Val.Value == "TRUE", true
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
				p.Errorf(n, "%s %s only applies to profiles of an sso source, and %q is %s", k, where, pr.Source, kindPhrase(kind))
			}
		}
	}
	if n := set["mfa_serial"]; n != nil && kind != KindKeySet {
		p.Errorf(n, "mfa_serial %s only applies to key sets: source %q is %s, whose sign-in does MFA itself", where, pr.Source, kindPhrase(kind))
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
			p.Errorf(e.Key, "profile %q uses sso source %q and needs %s (the account and the permission set's role, as in the access portal)", e.Name, pr.Source, strings.Join(missing, " and "))
		}
	case KindWebIdentity:
		if pr.RoleARN == "" {
			p.Errorf(e.Key, "profile %q uses web_identity source %q and needs a role_arn: the role whose trust policy allows the token (see README, Running in CI)", e.Name, pr.Source)
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
			p.Errorf(f.Val, "%s %s is empty", f.Name, where)
		}
		return false
	}
	switch f.Name {
	case "sso_account_id":
		if !accountIDRE().MatchString(s) {
			p.Errorf(f.Val, "sso_account_id %q %s is not an AWS account id (12 digits, quoted)", s, where)
			return false
		}
		pr.SSOAccountID = s
	case "sso_role_name":
		if !roleNameRE().MatchString(s) {
			p.Errorf(f.Val, "sso_role_name %q %s is not a role name (1 to 64 of letters, digits and _+=,.@-)", s, where)
			return false
		}
		pr.SSORoleName = s
	}
	return true
}
