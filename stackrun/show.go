package stackrun

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ShowConfig writes the merged stack config as YAML, each value followed
// by the file:line:col it came from.
func (c *Config) ShowConfig(w io.Writer) error {
	fmt.Fprintf(w, "# stack %s in %s", c.Name, c.Dir)
	if c.Environment != "" {
		fmt.Fprintf(w, ", environment %s", c.Environment)
	}
	fmt.Fprintf(w, "\n# merged in this order: %s\n", strings.Join(c.Files, ", "))
	root := c.root
	if c.Backend != nil && root.get("terraform_backend", "key").str() == "" {
		// Show the default key where it applies, with origin "default".
		key := &value{scalar: c.Backend.Key, text: c.Backend.Key, tag: "!!str"}
		tb := newMap(Pos{})
		tb.set("key", key)
		top := newMap(Pos{})
		top.set("terraform_backend", tb)
		root = merge(root, top)
	}
	s := &shower{dir: c.Dir}
	s.mapping(root, 0)
	return s.write(w)
}

// Show writes the merged config, then what spin passes to tofu.
func (inv *Invocation) Show(w io.Writer) error {
	if err := inv.Config.ShowConfig(w); err != nil {
		return err
	}
	cr := inv.Credentials
	fmt.Fprintln(w, "\n# what spin passes to tofu:")
	for _, u := range cr.Uses {
		fmt.Fprintf(w, "#   profile %s (from %s)\n", u.Profile, u.Setting)
	}
	for _, kv := range inv.BackendConfig {
		fmt.Fprintf(w, "#   -backend-config %s\n", kv)
	}
	if inv.VarFile != nil {
		names := slices.Sorted(maps.Keys(inv.Config.Parameters))
		fmt.Fprintf(w, "#   -var-file (JSON, in a temp dir, removed afterwards) with %s\n", strings.Join(names, ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(inv.Env)) {
		fmt.Fprintf(w, "#   env %s=%s\n", k, inv.Env[k])
	}
	_, err := fmt.Fprintln(w, "#   env TF_IN_AUTOMATION=1 (set by terraform-exec)")
	return err
}

// shower collects lines and their origins, to align the comments.
type shower struct {
	dir   string
	lines []line
}

type line struct{ text, origin string }

func (s *shower) add(indent int, text, origin string) {
	s.lines = append(s.lines, line{strings.Repeat(" ", indent) + text, origin})
}

func (s *shower) origin(p Pos) string {
	if rel, err := filepath.Rel(s.dir, p.File); err == nil && p.File != "" {
		p.File = rel
	}
	return p.String()
}

func (s *shower) mapping(v *value, indent int) {
	for _, k := range v.keys {
		s.child(v.fields[k], indent, quote(k)+":")
	}
}

func (s *shower) list(v *value, indent int) {
	for _, it := range v.items {
		s.child(it, indent, "-")
	}
}

// child writes v after head ("key:" or "-"): on the same line when it is
// a scalar or empty, else nested below.
func (s *shower) child(v *value, indent int, head string) {
	switch {
	case v.kind == mapKind && len(v.keys) > 0:
		s.add(indent, head, "")
		s.mapping(v, indent+2)
	case v.kind == listKind && len(v.items) > 0:
		s.add(indent, head, "")
		s.list(v, indent+2)
	case v.kind == mapKind:
		s.add(indent, head+" {}", s.origin(v.pos))
	case v.kind == listKind:
		s.add(indent, head+" []", s.origin(v.pos))
	default:
		s.add(indent, head+" "+scalarText(v), s.origin(v.pos))
	}
}

func (s *shower) write(w io.Writer) error {
	width := 0
	for _, l := range s.lines {
		if l.origin != "" {
			width = max(width, min(len(l.text), 48))
		}
	}
	for _, l := range s.lines {
		var err error
		if l.origin == "" {
			_, err = fmt.Fprintln(w, l.text)
		} else {
			_, err = fmt.Fprintf(w, "%-*s  # %s\n", width, l.text, l.origin)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// scalarText shows a scalar as written, strings quoted where YAML would
// read them as something else.
func scalarText(v *value) string {
	if v.tag != "!!str" {
		return v.text
	}
	return quote(v.text)
}

func quote(s string) string {
	b, err := yaml.Marshal(s)
	out := strings.TrimSuffix(string(b), "\n")
	if err != nil || strings.Contains(out, "\n") {
		j, _ := json.Marshal(s) // a JSON string is a YAML double-quoted scalar
		return string(j)
	}
	return out
}
