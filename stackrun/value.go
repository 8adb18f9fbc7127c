package stackrun

import "fmt"

// Pos is where a setting was written: a file (as the stack folder was
// named, joined with the file's name) and a 1-based line and column.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.File == "" {
		return "default"
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// value is one node of a stack config after checking: a scalar, a mapping
// or a list, with the position of the YAML that set it. The files are
// merged as value trees, so every leaf keeps its own origin.
type value struct {
	kind   kind
	scalar any    // string, bool, int, uint64, float64 or nil (YAML null)
	text   string // the scalar as written, for --show-config
	tag    string // the scalar's YAML tag, e.g. !!str
	keys   []string
	fields map[string]*value
	items  []*value
	pos    Pos
}

type kind uint8

const (
	scalarKind kind = iota
	mapKind
	listKind
)

func newMap(pos Pos) *value { return &value{kind: mapKind, fields: map[string]*value{}, pos: pos} }

// set adds or replaces a mapping entry, keeping first-seen key order.
func (v *value) set(key string, x *value) {
	if _, ok := v.fields[key]; !ok {
		v.keys = append(v.keys, key)
	}
	v.fields[key] = x
}

// get follows a path of mapping keys; nil when any step is missing.
func (v *value) get(path ...string) *value {
	for _, k := range path {
		if v == nil || v.kind != mapKind {
			return nil
		}
		v = v.fields[k]
	}
	return v
}

// merge deep-merges src into dst and returns the result: mappings merge
// key by key, anything else in src (a scalar, a list, an explicit null)
// replaces what dst had. Neither input is modified.
func merge(dst, src *value) *value {
	if dst == nil || dst.kind != mapKind || src.kind != mapKind {
		return src
	}
	out := newMap(dst.pos)
	for _, k := range dst.keys {
		out.set(k, dst.fields[k])
	}
	for _, k := range src.keys {
		out.set(k, merge(out.fields[k], src.fields[k]))
	}
	return out
}

// plain returns v as JSON-ready Go values: map[string]any, []any and the
// scalars. Nulls inside mappings are kept: a parameter set to null is
// passed to tofu as null.
func (v *value) plain() any {
	switch v.kind {
	case mapKind:
		m := make(map[string]any, len(v.keys))
		for _, k := range v.keys {
			m[k] = v.fields[k].plain()
		}
		return m
	case listKind:
		l := make([]any, len(v.items))
		for i, it := range v.items {
			l[i] = it.plain()
		}
		return l
	}
	return v.scalar
}

// str returns a string scalar, "" for null or a missing value. The parser
// has checked types, so anything else cannot occur.
func (v *value) str() string {
	if v == nil {
		return ""
	}
	s, _ := v.scalar.(string)
	return s
}

func (v *value) boolean() bool {
	if v == nil {
		return false
	}
	b, _ := v.scalar.(bool)
	return b
}
