package yamlnode

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// yaml.v3 reports a syntax error at the line of the block it was parsing
// (libyaml's context mark, and for parser errors 0-based), not at the
// mistake: a key indented one space too little under profiles: is
// reported at the line above profiles' first entry. The parser is
// streaming, though, so the mistake is where a prefix of the file first
// fails the same way; locate finds that line and then that column, by
// bisection, on the error path only.

var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

// locate returns the line, column and message of syntax error err, which
// decode returned for data.
func locate(data []byte, err error) (line, col int, msg string) {
	reported, msg := message(err)
	fails := func(prefix []byte) bool {
		_, _, err := decode(prefix)
		if err == nil {
			return false
		}
		_, m := message(err)
		return m == msg
	}
	ends := lineEnds(data) // ends[i] is the offset just past line i+1
	// The mistake is at or after the reported line: the context mark is
	// before the problem, and reported 0-based at worst.
	lo := min(max(reported, 1), len(ends)) - 1
	i := lo + sort.Search(len(ends)-lo, func(j int) bool { return fails(data[:ends[lo+j]]) })
	if i == len(ends) {
		return reported, 1, msg // no prefix fails alike: keep yaml.v3's line
	}
	start := 0
	if i > 0 {
		start = ends[i-1]
	}
	text := data[start:ends[i]]
	// The column: the shortest part of the line that fails alike.
	var cuts []int // offsets in text after each character
	for off := 0; off < len(text) && text[off] != '\n' && text[off] != '\r'; {
		_, size := utf8.DecodeRune(text[off:])
		off += size
		cuts = append(cuts, off)
	}
	c := sort.Search(len(cuts), func(j int) bool { return fails(data[:start+cuts[j]]) })
	if c == len(cuts) {
		// Only the line break completes the mistake: point at the
		// line's first character that is not a space.
		c = len(text) - len(bytes.TrimLeft(text, " "))
		c = utf8.RuneCount(text[:min(c, len(text))])
	}
	// yaml.v3 names a tab only when it follows spaces; a line indented
	// with a tab (an editor's default) gets "cannot start any token".
	if rs := []rune(string(text)); c < len(rs) && rs[c] == '\t' && !strings.Contains(msg, "tab") {
		msg += " (a tab: YAML indents with spaces only)"
	}
	return i + 1, c + 1, msg
}

// message splits a yaml.v3 error into its line (1 if it has none) and
// the message.
func message(err error) (line int, msg string) {
	if m := yamlLine().FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, m[2]
	}
	return 1, strings.TrimPrefix(err.Error(), "yaml: ")
}

// lineEnds returns the offset just past each line of data (a last line
// without a line break included).
func lineEnds(data []byte) []int {
	var ends []int
	for off := 0; off < len(data); {
		j := bytes.IndexByte(data[off:], '\n')
		if j < 0 {
			ends = append(ends, len(data))
			break
		}
		off += j + 1
		ends = append(ends, off)
	}
	return ends
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
