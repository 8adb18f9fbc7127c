package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// ProfileExistsError reports profiles that config.yaml already defines.
type ProfileExistsError struct {
	Path  string
	Names []string
}

func (e *ProfileExistsError) Error() string {
	if len(e.Names) == 1 {
		return fmt.Sprintf("%s already defines profile %s", e.Path, e.Names[0])
	}
	return fmt.Sprintf("%s already defines profiles %s", e.Path, strings.Join(e.Names, ", "))
}

// WriteConfigProfiles adds profiles to the config.yaml at path with
// InsertProfiles, under the lock spind takes to record its backend,
// creating the file (directory 0700, file 0600) if needed, and replaces it
// atomically with its mode kept and a symlink followed.
func WriteConfigProfiles(ctx context.Context, path string, add []Profile, replace bool) error {
	_, _, err := editFile(ctx, path, true, func(_ string, data []byte) ([]byte, error) {
		return InsertProfiles(path, data, add, replace)
	})
	return err
}

// InsertProfiles returns config.yaml's bytes with add defined under
// profiles:, as RecordKeyringBackend edits the file: by inserting text, so
// every comment and byte of the user's stays. New entries go after the
// last entry of the profiles: mapping, at its indentation; a file without
// one gets a profiles: section at its end. A profile the file defines is
// an error, unless replace is set: then its entry's lines are replaced.
// The result must parse to the same config plus add, or nothing is
// returned.
func InsertProfiles(path string, data []byte, add []Profile, replace bool) ([]byte, error) {
	before, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	var exists []string
	for _, p := range add {
		if _, ok := before.Profiles[p.Name]; ok {
			exists = append(exists, p.Name)
		}
	}
	if len(exists) > 0 && !replace {
		return nil, &ProfileExistsError{Path: path, Names: exists}
	}
	var entries []string
	for _, p := range add {
		entries = append(entries, p.Name)
	}
	manual := fmt.Errorf("cannot edit %s safely; add the profiles %s under profiles: yourself", path, strings.Join(entries, ", "))
	out, err := insertProfiles(data, add)
	if err != nil {
		return nil, manual
	}
	after, err := Parse(path, out)
	if err != nil {
		return nil, fmt.Errorf("%w: the result would not load: %w", manual, err)
	}
	want := maps.Clone(before.Profiles)
	for _, p := range add {
		if p.Kind == "" { // what Parse records for the source it names
			p.Kind = KindKeySet
			if d, ok := before.Sources[p.Source]; ok {
				p.Kind = d.Kind
			}
		}
		want[p.Name] = p
	}
	if !reflect.DeepEqual(after.Profiles, want) || !reflect.DeepEqual(after.Sources, before.Sources) || before.Keyring != after.Keyring || before.Defaults != after.Defaults {
		return nil, manual
	}
	return out, nil
}

// insertProfiles does the text edit; InsertProfiles checks its result.
func insertProfiles(data []byte, add []Profile) ([]byte, error) {
	entries := make([]yamlEntry, len(add))
	for i, p := range add {
		entries[i] = yamlEntry{p.Name, func(indent, step int, nl string) string { return renderProfileYAML(p, indent, step, nl) }}
	}
	return insertEntries(data, "profiles", entries)
}

// yamlEntry is one entry of a top-level mapping of config.yaml, rendered
// at the indentation the file uses.
type yamlEntry struct {
	name string
	text func(indent, step int, nl string) string
}

// insertEntries adds add under the top-level mapping section (creating
// it at the end of the file), replacing entries of the same name.
func insertEntries(data []byte, section string, add []yamlEntry) ([]byte, error) {
	// yaml.v3 also breaks lines at a lone CR, NEL, LS and PS; a byte scan
	// for \n would then disagree with its line numbers.
	if bytes.ContainsAny(bytes.ReplaceAll(data, []byte("\r\n"), nil), "\r\u0085\u2028\u2029") {
		return nil, errors.New("unusual line breaks")
	}
	nl := "\n"
	if bytes.Contains(data, []byte("\r\n")) {
		nl = "\r\n"
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += nl // the last line had no line ending
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	var root *yaml.Node
	if len(doc.Content) > 0 && !yamlnode.IsNull(doc.Content[0]) {
		root = doc.Content[0]
	}
	if root != nil && (root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle != 0) {
		return nil, errors.New("the document is not a block mapping")
	}
	key := (*yaml.Node)(nil)
	if root != nil {
		key = lookup(root, section)
	}
	if key == nil {
		indent := 0
		if root != nil {
			indent = root.Content[0].Column - 1
		}
		text := strings.Repeat(" ", indent) + section + ":" + nl
		for _, e := range add {
			text += e.text(indent+2, 2, nl)
		}
		return []byte(strings.Join(lines, "") + text), nil
	}
	if err := checkKeyAt(lines, key); err != nil {
		return nil, err
	}
	val := root.Content[slices.Index(root.Content, key)+1]
	if yamlnode.IsNull(val) && val.Value == "" { // "profiles:" with nothing under it
		text := ""
		for _, e := range add {
			text += e.text(key.Column-1+2, 2, nl)
		}
		return []byte(strings.Join(slices.Insert(lines, key.Line, text), "")), nil
	}
	if val.Kind != yaml.MappingNode || val.Style&yaml.FlowStyle != 0 || len(val.Content) == 0 {
		return nil, errors.New(section + " is not a block mapping")
	}
	indent, step := val.Content[0].Column-1, 2
	// A flow-style first entry ({source: x}) says nothing about the
	// block indentation; keep the default step then.
	if first := val.Content[1]; first.Kind == yaml.MappingNode && first.Style&yaml.FlowStyle == 0 && len(first.Content) > 0 && first.Content[0].Column > val.Content[0].Column {
		step = first.Content[0].Column - val.Content[0].Column
	}
	// The mapping ends before the next top-level key, or at the end of the
	// file; comments and blank lines there belong to what follows.
	end := len(lines) + 1
	for i := 0; i < len(root.Content); i += 2 {
		if l := root.Content[i].Line; l > key.Line && l < end {
			end = l
		}
	}
	end = trimTrailing(lines, key.Line, end)
	var appended string
	var replaced []*yaml.Node
	for _, e := range add {
		if k := lookup(val, e.name); k != nil {
			replaced = append(replaced, k)
			continue
		}
		appended += e.text(indent, step, nl)
	}
	lines = slices.Insert(lines, end-1, appended)
	// Bottom up, so the line numbers of the entries above stay right.
	slices.SortFunc(replaced, func(a, b *yaml.Node) int { return b.Line - a.Line })
	for _, k := range replaced {
		if err := checkKeyAt(lines, k); err != nil {
			return nil, err
		}
		stop := end
		for i := 0; i < len(val.Content); i += 2 {
			if l := val.Content[i].Line; l > k.Line && l < stop {
				stop = l
			}
		}
		stop = trimTrailing(lines, k.Line, stop)
		var e yamlEntry
		for _, q := range add {
			if q.name == k.Value {
				e = q
			}
		}
		lines = slices.Replace(lines, k.Line-1, stop-1, e.text(k.Column-1, step, nl))
	}
	return []byte(strings.Join(lines, "")), nil
}

// trimTrailing moves end (a 1-based line number, exclusive) back over blank
// and comment lines, but not past the line after from.
func trimTrailing(lines []string, from, end int) int {
	for end-1 > from {
		t := strings.TrimSpace(lines[end-2])
		if t != "" && t[0] != '#' {
			break
		}
		end--
	}
	return end
}

// checkKeyAt makes sure a key is where yaml.v3 says it is.
func checkKeyAt(lines []string, k *yaml.Node) error {
	if k.Line < 1 || k.Line > len(lines) {
		return errors.New("key line out of range")
	}
	l, indent := lines[k.Line-1], k.Column-1
	if len(l) < indent || strings.TrimLeft(l[:indent], " ") != "" || !strings.HasPrefix(strings.TrimLeft(l[indent:], `"'`), k.Value) {
		return errors.New("key not where the parser put it")
	}
	return nil
}

// renderProfileYAML renders one entry of profiles:, key by key in the
// order of DESIGN.md, leaving out what is not set.
func renderProfileYAML(p Profile, indent, step int, nl string) string {
	pad := strings.Repeat(" ", indent)
	s := pad + yamlScalar(p.Name) + ":" + nl
	for _, kv := range [][2]string{
		{"source", p.Source}, {"role_arn", p.RoleARN}, {"role_session_name", p.RoleSessionName},
		{"external_id", p.ExternalID}, {"mfa_serial", p.MFASerial}, {"region", p.Region},
		{"duration", durString(p.Duration)}, {"min_validity", durString(p.MinValidity)},
		{"sso_account_id", p.SSOAccountID}, {"sso_role_name", p.SSORoleName},
	} {
		if kv[1] != "" {
			s += pad + strings.Repeat(" ", step) + kv[0] + ": " + yamlScalar(kv[1]) + nl
		}
	}
	in := pad + strings.Repeat(" ", step)
	if p.SourceIdentitySet {
		s += in + "source_identity: " + strconv.Quote(p.SourceIdentity) + nl
	}
	if len(p.SessionTags) > 0 {
		s += in + "session_tags:" + nl
		for _, t := range p.SessionTags {
			s += in + strings.Repeat(" ", step) + yamlScalar(t.Key) + ": " + yamlScalar(t.Value) + nl
		}
	}
	if len(p.TransitiveTagKeys) > 0 {
		s += in + "transitive_tag_keys:" + nl
		for _, k := range p.TransitiveTagKeys {
			s += in + strings.Repeat(" ", step) + "- " + yamlScalar(k) + nl
		}
	}
	return s
}

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return fmtDur(d)
}

// yamlScalar writes s as a YAML string scalar: plain where yaml.v3 reads
// that back as the same string, else quoted.
func yamlScalar(s string) string {
	out, err := yaml.Marshal(s)
	if t := strings.TrimSuffix(string(out), "\n"); err == nil && !strings.ContainsAny(t, "\n\r") && !strings.HasPrefix(t, "|") && !strings.HasPrefix(t, ">") {
		return t
	}
	return strconv.Quote(s)
}

// renderSourceYAML renders one entry of sources: (sso sources: what an
// import adds).
func renderSourceYAML(d SourceDef, indent, step int, nl string) string {
	pad, in := strings.Repeat(" ", indent), strings.Repeat(" ", step)
	s := pad + yamlScalar(d.Name) + ":" + nl + pad + in + string(d.Kind) + ":" + nl
	if d.Kind == KindLogin && d.Login.Region != "" {
		s += pad + in + in + "region: " + yamlScalar(d.Login.Region) + nl
	}
	if d.Kind == KindSSO {
		s += pad + in + in + "start_url: " + yamlScalar(d.SSO.StartURL) + nl
		s += pad + in + in + "region: " + yamlScalar(d.SSO.Region) + nl
		if len(d.SSO.Scopes) > 0 {
			quoted := make([]string, len(d.SSO.Scopes))
			for i, sc := range d.SSO.Scopes {
				quoted[i] = yamlScalar(sc)
			}
			s += pad + in + in + "scopes: [" + strings.Join(quoted, ", ") + "]" + nl
		}
	}
	return s
}

// InsertImport is InsertProfiles after adding the sources an import
// brings (sso sources of the AWS config file): the new sources go under
// sources:, text inserted as for profiles, and must parse back as given.
func InsertImport(path string, data []byte, sources []SourceDef, add []Profile, replace bool) ([]byte, error) {
	if len(sources) > 0 {
		before, err := Parse(path, data)
		if err != nil {
			return nil, err
		}
		entries := make([]yamlEntry, len(sources))
		names := make([]string, len(sources))
		for i, d := range sources {
			if _, ok := before.Sources[d.Name]; ok {
				return nil, fmt.Errorf("%s already defines source %s", path, d.Name)
			}
			entries[i] = yamlEntry{d.Name, func(indent, step int, nl string) string { return renderSourceYAML(d, indent, step, nl) }}
			names[i] = d.Name
		}
		manual := fmt.Errorf("cannot edit %s safely; add the sources %s under sources: yourself", path, strings.Join(names, ", "))
		out, err := insertEntries(data, "sources", entries)
		if err != nil {
			return nil, manual
		}
		after, err := Parse(path, out)
		if err != nil {
			return nil, fmt.Errorf("%w: the result would not load: %w", manual, err)
		}
		for _, d := range sources {
			got := after.Sources[d.Name]
			if got.Kind != d.Kind || got.SSO.StartURL != d.SSO.StartURL || got.SSO.Region != d.SSO.Region || got.Login.Region != d.Login.Region {
				return nil, manual
			}
			delete(after.Sources, d.Name)
		}
		if !reflect.DeepEqual(after.Sources, before.Sources) || !reflect.DeepEqual(after.Profiles, before.Profiles) || before.Keyring != after.Keyring || before.Defaults != after.Defaults {
			return nil, manual
		}
		data = out
	}
	return InsertProfiles(path, data, add, replace)
}

// WriteConfigImport is WriteConfigProfiles with InsertImport.
func WriteConfigImport(ctx context.Context, path string, sources []SourceDef, add []Profile, replace bool) error {
	_, _, err := editFile(ctx, path, true, func(_ string, data []byte) ([]byte, error) {
		return InsertImport(path, data, sources, add, replace)
	})
	return err
}
