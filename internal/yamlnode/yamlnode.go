// Package yamlnode holds the small helpers that spin's two YAML readers
// (config.yaml in profiles, stack-instance files in stackrun) share: both
// walk yaml.Node to report file:line:col, which yaml.v3's own decoding
// errors lack.
package yamlnode

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// IsNull reports whether n is a null scalar (~, null, or nothing).
func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// Describe names a node's type for messages: "a list", "a string", ...
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch t := n.ShortTag(); t {
	case "!!str":
		return "a string"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "null"
	case "!!timestamp":
		return "a timestamp"
	default:
		return fmt.Sprintf("a value tagged %q", t)
	}
}

// BadChar finds the first character yaml.v3 would reject, which it
// reports without a position: invalid UTF-8 or a character YAML does not
// allow. what names the file kind for the message ("config.yaml").
func BadChar(data []byte, what string) (line, col int, msg string) {
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return line, col, fmt.Sprintf("invalid UTF-8 (%s must be UTF-8 text)", what)
		case r == '\n':
			line, col = line+1, 0
		case !printable(r):
			return line, col, fmt.Sprintf("character %U is not allowed in YAML (no control characters)", r)
		}
		col++
		i += size
	}
	return 0, 0, ""
}

// printable is YAML 1.2's c-printable set.
func printable(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || 0x20 <= r && r <= 0x7e || r == 0x85 ||
		0xa0 <= r && r <= 0xd7ff || 0xe000 <= r && r <= 0xfffd || 0x10000 <= r && r <= 0x10ffff
}

// Entry is one key: value pair of a mapping.
type Entry struct {
	Name     string
	Key, Val *yaml.Node
}

// Entries returns mapping n's pairs, reporting through errorf what a
// reader with positions cannot use: aliases and merge keys (an origin
// would point at the anchor, and spin's files are small enough to write
// out), keys that are not names, and duplicates. where places the mapping
// in messages ("in profile \"x\""); doc names the file kind.
func Entries(n *yaml.Node, where, doc string, errorf func(at *yaml.Node, format string, args ...any)) []Entry {
	seen := map[string]*yaml.Node{}
	var out []Entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind == yaml.AliasNode:
			errorf(k, "aliases (*%s) are not supported in %s: write the value out", k.Value, doc)
		case v.Kind == yaml.AliasNode:
			errorf(v, "aliases (*%s) are not supported in %s: write the value out", v.Value, doc)
		case k.ShortTag() == "!!merge":
			errorf(k, "merge keys (<<) are not supported in %s: write the settings out", doc)
		case k.Kind != yaml.ScalarNode:
			errorf(k, "keys %s must be names, got %s", where, Describe(k))
		case seen[k.Value] != nil:
			first := seen[k.Value]
			errorf(k, "duplicate key %q %s (first at %d:%d)", k.Value, where, first.Line, first.Column)
		default:
			seen[k.Value] = k
			out = append(out, Entry{k.Value, k, v})
		}
	}
	return out
}

// Suggest returns the known key closest to name, if it is close: the same
// letters ignoring case, -, _ and spaces, or at most two edits away. Both
// readers use it for "did you mean" on an unknown key.
func Suggest(name string, known []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(norm(name), norm(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, for short keys only.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			diag, row[j] = row[j], min(row[j]+1, row[j-1]+1, diag+cost)
		}
	}
	return row[len(b)]
}
