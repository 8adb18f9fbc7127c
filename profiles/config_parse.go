package profiles

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// The config is walked as a yaml.Node tree rather than decoded with
// KnownFields, because only the tree knows each value's line and column, and
// those are what make an error in a hand-edited file quick to fix.

var (
	topKeys      = []string{"keyring", "defaults", "sources", "profiles", "endpoints", "network", "keys"}
	keyringKeys  = []string{"backend", "file_dir", "lock_after"}
	defaultsKeys = []string{"region", "duration", "min_validity", "mfa_duration"}
	profileKeys  = []string{"source", "role_arn", "role_session_name", "external_id", "mfa_serial", "region", "duration", "min_validity", "sso_account_id", "sso_role_name", "source_identity", "session_tags", "transitive_tag_keys", "allowed_callers"}
	// roleOnly are the profile keys a bootstrap profile (no role_arn) ignores.
	roleOnly = []string{"role_session_name", "external_id", "duration", "source_identity", "session_tags", "transitive_tag_keys", "allowed_callers"}
	backends = []string{"auto", "keychain", "wincred", "secret-service", "kwallet", "pass", "keyctl", "file"}
)

// configKind names config.yaml in the reader's messages.
var configKind = yamlnode.Kind{Name: "spin's config", Text: "config.yaml", One: "spin's config"}

type parser struct {
	yamlnode.Reader
	cfg *Config
}

// entry is one key: value pair of a mapping.
type entry = yamlnode.Entry

func (p *parser) origin(key string, n *yaml.Node) {
	p.cfg.origins[key] = fmt.Sprintf("%s:%d:%d", p.File, n.Line, n.Column)
}

// parse fills p.cfg from data; its errors and warnings are p's.
func (p *parser) parse(data []byte) {
	if root := p.Decode(data); root != nil {
		p.root(root)
	}
	p.cfg.Warnings = nil
	for _, w := range p.Warnings() {
		p.cfg.Warnings = append(p.cfg.Warnings, w.Error())
	}
}

func (p *parser) root(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.Errorf(n, "the config must be a mapping with the keys %s, got %s", strings.Join(topKeys, ", "), yamlnode.Describe(n))
		return
	}
	entries := p.Entries(n, "at the top level", topKeys)
	// Defaults and sources first: profiles are checked against them.
	for _, e := range entries {
		switch e.Name {
		case "defaults":
			p.origin("defaults", e.Key)
			p.defaults(e)
		case "sources":
			p.origin("sources", e.Key)
			p.sources(e)
		}
	}
	for _, e := range entries {
		switch e.Name {
		case "defaults", "sources":
		case "keyring":
			p.origin("keyring", e.Key)
			p.keyring(e)
		case "profiles":
			p.origin("profiles", e.Key)
			p.profiles(e)
		case "endpoints":
			p.origin("endpoints", e.Key)
			p.endpoints(e)
		case "network":
			p.origin("network", e.Key)
			p.network(e)
		case "keys":
			p.origin("keys", e.Key)
			p.keys(e) // config_keys.go
		}
	}
}

// section returns the pairs of e's value, which must be a mapping of the
// known keys; null counts as empty.
func (p *parser) section(e entry, what string, known []string) []entry {
	if yamlnode.IsNull(e.Val) {
		return nil
	}
	if e.Val.Kind != yaml.MappingNode {
		p.Errorf(e.Val, "%s must be a mapping, got %s", what, yamlnode.Describe(e.Val))
		return nil
	}
	return p.Entries(e.Val, "in "+what, known)
}

// str returns a string value; null is "" (unset). ok is false after an error.
func (p *parser) str(e entry, where string) (s string, ok bool) {
	v := e.Val
	switch {
	case yamlnode.IsNull(v):
		return "", true
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
		return v.Value, true
	case v.Kind == yaml.ScalarNode:
		p.Errorf(v, "%s %s must be a string, got %s (quote it: %q)", e.Name, where, yamlnode.Describe(v), v.Value)
	case v.Style&yaml.FlowStyle != 0:
		p.Errorf(v, "%s %s must be a string, got %s (quote a value that starts with { or [, e.g. %q)", e.Name, where, yamlnode.Describe(v), "{{user}}")
	default:
		p.Errorf(v, "%s %s must be a string, got %s", e.Name, where, yamlnode.Describe(v))
	}
	return "", false
}

// duration parses a Go duration; set is false for null or after an error.
func (p *parser) duration(e entry, where string) (d time.Duration, set bool) {
	v := e.Val
	if yamlnode.IsNull(v) {
		return 0, false
	}
	if v.Kind != yaml.ScalarNode {
		p.Errorf(v, "%s %s must be a duration such as 15m or 1h, got %s", e.Name, where, yamlnode.Describe(v))
		return 0, false
	}
	d, err := time.ParseDuration(v.Value)
	if err != nil {
		p.Errorf(v, "%s %q %s is not a duration (use a number and a unit: 900s, 15m, 1h30m)", e.Name, v.Value, where)
		return 0, false
	}
	if d <= 0 {
		p.Errorf(v, "%s %s %s must be positive", e.Name, v.Value, where)
		return 0, false
	}
	return d, true
}

// session parses a session length (duration, mfa_duration), which STS takes
// in whole seconds within limits.
func (p *parser) session(e entry, where string, limit time.Duration, api string) (time.Duration, bool) {
	d, ok := p.duration(e, where)
	switch {
	case !ok:
		return 0, false
	case d%time.Second != 0:
		p.Errorf(e.Val, "%s %s %s must be whole seconds (STS takes seconds)", e.Name, e.Val.Value, where)
		return 0, false
	case d < 15*time.Minute:
		p.Warnf(e.Val, "%s %s %s is under 15m: real STS refuses it for %s (the emulator accepts it)", e.Name, fmtDur(d), where, api)
	case d > limit:
		p.Warnf(e.Val, "%s %s %s is over %s: real STS refuses it for %s", e.Name, fmtDur(d), where, fmtDur(limit), api)
	}
	return d, true
}

// checkLifetime reports a session too short to ever be handed out with
// min_validity left. at is where to point; nil when nothing was set here.
func (p *parser) checkLifetime(at *yaml.Node, name string, d, minValidity time.Duration, where string) {
	// Handed-out credentials expire ExpirySkew early, and spind refreshes a
	// margin before they drop under min_validity: a shorter session would
	// be refreshed the moment it arrives.
	margin, skew := RefreshMargin(d), ExpirySkew(d)
	if at == nil || d > minValidity+margin+skew {
		return
	}
	p.Errorf(at, "%s %s %s must exceed min_validity %s + refresh margin %s + expiry skew %s = %s (the refresh margin is min(5m, 10%% of %s), the skew min(5s, 10%%))",
		name, fmtDur(d), where, fmtDur(minValidity), fmtDur(margin), fmtDur(skew), fmtDur(minValidity+margin+skew), name)
}
