// Package termtext makes text from elsewhere (spind, AWS, a config file)
// safe to print on a terminal: an error message is data, and escape
// sequences in it could retitle the window, rewrite earlier lines, or hide
// the message itself. It depends on nothing but the standard library's
// UTF-8 helpers, so the lean credential helper can link it.
package termtext

import (
	"strings"
	"unicode/utf8"
)

// Clean returns s without terminal control characters: whole ESC sequences
// (CSI such as colours and cursor moves, OSC such as window titles and
// hyperlinks, and two-character ones), every other C0 and C1 control and
// DEL, and the bidirectional overrides that reorder what is shown. Tab and
// newline stay; invalid UTF-8 becomes U+FFFD. Printable text is untouched.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b:
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // C1 CSI: drop its parameters with it
			i += size + csiLen(s[i+size:])
			continue
		case r == 0x9d: // C1 OSC
			i += size + oscLen(s[i+size:])
			continue
		case dropped(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isClean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r == 0x1b || dropped(r) {
			return false
		}
	}
	return true
}

// dropped reports a control character to remove (ESC is handled apart).
func dropped(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi embeddings, overrides and isolates
	}
	return false
}

// escapeLen is the length of the ESC sequence at the start of s.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: strings up to ST
		return 2 + oscLen(s[2:])
	}
	// Two-character sequences (ESC c, ESC 7 …); an intermediate byte
	// (ESC ( B) takes one more.
	n := 2
	for n < len(s) && s[n-1] >= 0x20 && s[n-1] <= 0x2f {
		n++
	}
	return n
}

// csiLen is the length of a CSI sequence's parameters and final byte.
func csiLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x40 && s[i] <= 0x7e {
			return i + 1
		}
		if s[i] < 0x20 || s[i] > 0x3f && s[i] < 0x40 {
			return i // malformed: stop at the first byte that cannot belong
		}
	}
	return len(s)
}

// oscLen is the length of a control string up to and including its
// terminator (BEL, ESC \ or C1 ST), or all of s if it never ends.
func oscLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c: // U+009C ST
			return i + 2
		}
	}
	return len(s)
}
