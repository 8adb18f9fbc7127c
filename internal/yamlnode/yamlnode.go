// Package yamlnode holds the small helpers that spin's two YAML readers
// (config.yaml in profiles, stack-instance files in stackrun) share: both
// walk yaml.Node to report file:line:col, which yaml.v3's own decoding
// errors lack.
package yamlnode

import (
	"fmt"
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
