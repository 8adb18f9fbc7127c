package profiles

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// maxErrors bounds the report for a file that is not spin's config at all.
const maxErrors = 20

type parser struct {
	path  string
	cfg   *Config
	errs  []posError
	warns []posError
}

type posError struct {
	path      string
	line, col int
	msg       string
}

func (e posError) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.path, e.line, e.col, e.msg) }

// entry is one key: value pair of a mapping.
type entry struct {
	name     string
	key, val *yaml.Node
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, p.at(n.Line, n.Column, fmt.Sprintf(format, args...)))
}

func (p *parser) warnf(n *yaml.Node, format string, args ...any) {
	p.warns = append(p.warns, p.at(n.Line, n.Column, fmt.Sprintf(format, args...)))
}

// at keeps each message on one line, whatever a tag or yaml.v3 put in it,
// so that a joined error is one problem per line.
func (p *parser) at(line, col int, msg string) posError {
	msg = strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(msg)
	return posError{p.path, max(line, 1), max(col, 1), msg}
}

func (p *parser) origin(key string, n *yaml.Node) {
	p.cfg.origins[key] = fmt.Sprintf("%s:%d:%d", p.path, n.Line, n.Column)
}

// parse fills p.cfg from data and leaves errors and warnings sorted by
// position (sections are not checked in file order).
func (p *parser) parse(data []byte) {
	p.document(data)
	byPos := func(a, b posError) int { return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col)) }
	slices.SortStableFunc(p.errs, byPos)
	slices.SortStableFunc(p.warns, byPos)
	if len(p.errs) > maxErrors {
		p.errs = append(p.errs[:maxErrors], p.at(p.errs[maxErrors].line, p.errs[maxErrors].col, "too many errors"))
	}
	p.cfg.Warnings = nil
	for _, w := range p.warns {
		p.cfg.Warnings = append(p.cfg.Warnings, w.Error())
	}
}

func (p *parser) document(data []byte) {
	// yaml.v3 reports bad bytes without a position; find them first.
	if line, col, msg := yamlnode.BadChar(data, "config.yaml"); msg != "" {
		p.errs = append(p.errs, p.at(line, col, msg))
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, extra yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) { // io.EOF: empty or comments only
			p.yamlError(err)
		}
		return
	}
	if err := dec.Decode(&extra); err == nil {
		n := &extra
		if len(extra.Content) > 0 {
			n = extra.Content[0]
		}
		p.errorf(n, "a second YAML document: spin's config is one document (remove the ---)")
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(err)
	}
	if len(doc.Content) == 0 {
		return
	}
	p.root(doc.Content[0])
}

var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): `) })

// yamlError positions a syntax error. yaml.v3 gives the line only, so the
// column is 1.
func (p *parser) yamlError(err error) {
	msg, line := err.Error(), 1
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	p.errs = append(p.errs, p.at(line, 1, "invalid YAML: "+msg))
}

func (p *parser) root(n *yaml.Node) {
	if yamlnode.IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "the config must be a mapping with the keys %s, got %s", strings.Join(topKeys, ", "), yamlnode.Describe(n))
		return
	}
	entries := p.entries(n, "at the top level")
	// Defaults and sources first: profiles are checked against them.
	for _, e := range entries {
		switch e.name {
		case "defaults":
			p.origin("defaults", e.key)
			p.defaults(e)
		case "sources":
			p.origin("sources", e.key)
			p.sources(e)
		}
	}
	for _, e := range entries {
		switch e.name {
		case "defaults", "sources":
		case "keyring":
			p.origin("keyring", e.key)
			p.keyring(e)
		case "profiles":
			p.origin("profiles", e.key)
			p.profiles(e)
		case "endpoints":
			p.origin("endpoints", e.key)
			p.endpoints(e)
		case "network":
			p.origin("network", e.key)
			p.network(e)
		case "keys":
			p.origin("keys", e.key)
			p.keys(e) // config_keys.go
		default:
			p.unknown(e, "at the top level", topKeys)
		}
	}
}

// entries returns a mapping's pairs, reporting keys spin cannot use.
func (p *parser) entries(n *yaml.Node, where string) []entry {
	var out []entry
	for _, e := range yamlnode.Entries(n, where, "spin's config", p.errorf) {
		out = append(out, entry{e.Name, e.Key, e.Val})
	}
	return out
}

// section returns the pairs of e's value; null counts as empty.
func (p *parser) section(e entry, what string) []entry {
	if yamlnode.IsNull(e.val) {
		return nil
	}
	if e.val.Kind != yaml.MappingNode {
		p.errorf(e.val, "%s must be a mapping, got %s", what, yamlnode.Describe(e.val))
		return nil
	}
	return p.entries(e.val, "in "+what)
}

func (p *parser) unknown(e entry, where string, known []string) {
	msg := fmt.Sprintf("unknown key %q %s (known: %s)", e.name, where, strings.Join(known, ", "))
	if s := yamlnode.Suggest(e.name, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	p.errs = append(p.errs, p.at(e.key.Line, e.key.Column, msg))
}

// str returns a string value; null is "" (unset). ok is false after an error.
func (p *parser) str(e entry, where string) (s string, ok bool) {
	v := e.val
	switch {
	case yamlnode.IsNull(v):
		return "", true
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
		return v.Value, true
	case v.Kind == yaml.ScalarNode:
		p.errorf(v, "%s %s must be a string, got %s (quote it: %q)", e.name, where, yamlnode.Describe(v), v.Value)
	case v.Style&yaml.FlowStyle != 0:
		p.errorf(v, "%s %s must be a string, got %s (quote a value that starts with { or [, e.g. %q)", e.name, where, yamlnode.Describe(v), "{{user}}")
	default:
		p.errorf(v, "%s %s must be a string, got %s", e.name, where, yamlnode.Describe(v))
	}
	return "", false
}

// duration parses a Go duration; set is false for null or after an error.
func (p *parser) duration(e entry, where string) (d time.Duration, set bool) {
	v := e.val
	if yamlnode.IsNull(v) {
		return 0, false
	}
	if v.Kind != yaml.ScalarNode {
		p.errorf(v, "%s %s must be a duration such as 15m or 1h, got %s", e.name, where, yamlnode.Describe(v))
		return 0, false
	}
	d, err := time.ParseDuration(v.Value)
	if err != nil {
		p.errorf(v, "%s %q %s is not a duration (use a number and a unit: 900s, 15m, 1h30m)", e.name, v.Value, where)
		return 0, false
	}
	if d <= 0 {
		p.errorf(v, "%s %s %s must be positive", e.name, v.Value, where)
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
		p.errorf(e.val, "%s %s %s must be whole seconds (STS takes seconds)", e.name, e.val.Value, where)
		return 0, false
	case d < 15*time.Minute:
		p.warnf(e.val, "%s %s %s is under 15m: real STS refuses it for %s (the emulator accepts it)", e.name, fmtDur(d), where, api)
	case d > limit:
		p.warnf(e.val, "%s %s %s is over %s: real STS refuses it for %s", e.name, fmtDur(d), where, fmtDur(limit), api)
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
	p.errorf(at, "%s %s %s must exceed min_validity %s + refresh margin %s + expiry skew %s = %s (the refresh margin is min(5m, 10%% of %s), the skew min(5s, 10%%))",
		name, fmtDur(d), where, fmtDur(minValidity), fmtDur(margin), fmtDur(skew), fmtDur(minValidity+margin+skew), name)
}
