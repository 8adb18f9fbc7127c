// Package jsonscan checks and reads JSON without encoding/json: the
// credential helper starts once per SDK client, and on this path every
// package it links costs start-up time (reflection, encoder tables and
// their inits), while all it must know is whether spind's answer is well
// formed and, on a refusal, what the message says.
package jsonscan

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting, as encoding/json does, so that hostile input
// cannot exhaust the stack.
const maxDepth = 10000

// Valid reports whether b is exactly one JSON value (RFC 8259), with
// optional white space around it, in valid UTF-8. It agrees with
// encoding/json's Valid except that invalid UTF-8 inside a string is
// refused: an SDK given such bytes may reject them.
func Valid(b []byte) bool {
	s := scanner{b: b}
	s.space()
	if !s.value(0, nil) {
		return false
	}
	s.space()
	return s.i == len(s.b)
}

// Strings returns the members of a JSON object whose values are strings,
// decoded; other members are checked and skipped. ok is false unless b is
// valid JSON (as Valid) and an object. Of duplicate names the last wins,
// as with encoding/json.
func Strings(b []byte) (members map[string]string, ok bool) {
	s := scanner{b: b, members: map[string]string{}}
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '{' || !s.value(0, s.members) {
		return nil, false
	}
	s.space()
	if s.i != len(s.b) {
		return nil, false
	}
	return s.members, true
}

type scanner struct {
	b       []byte
	i       int
	members map[string]string
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value scans one value at s.i. When into is not nil and the value is an
// object, its string members are stored there (only the outermost object
// gets one).
func (s *scanner) value(depth int, into map[string]string) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{' || c == '[':
		// The container at depth d is the (d+1)th open one: encoding/json
		// refuses the 10001st, and takes a scalar inside 10000.
		if depth >= maxDepth {
			return false
		}
		if c == '{' {
			return s.object(depth, into)
		}
		return s.array(depth)
	case c == '"':
		_, ok := s.str(false)
		return ok
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

func (s *scanner) object(depth int, into map[string]string) bool {
	s.i++ // {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return false
		}
		name, ok := s.str(into != nil)
		if !ok {
			return false
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.space()
		if into != nil && s.i < len(s.b) && s.b[s.i] == '"' {
			v, ok := s.str(true)
			if !ok {
				return false
			}
			into[name] = v
		} else {
			if into != nil {
				delete(into, name) // the last of duplicate names wins
			}
			if !s.value(depth+1, nil) {
				return false
			}
		}
		s.space()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.space()
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

func (s *scanner) array(depth int) bool {
	s.i++ // [
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return true
	}
	for {
		if !s.value(depth+1, nil) {
			return false
		}
		s.space()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.space()
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// number scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// str scans a string at s.i (its opening quote) and, if decode, returns
// its value with escapes resolved; a lone or mismatched surrogate becomes
// U+FFFD, as encoding/json makes it.
func (s *scanner) str(decode bool) (string, bool) {
	s.i++ // "
	var out []byte
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			if decode {
				out = append(out, s.b[start:s.i]...)
			}
			s.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if decode {
				out = append(out, s.b[start:s.i]...)
			}
			var ok bool
			if out, ok = s.escape(out, decode); !ok {
				return "", false
			}
			start = s.i
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			s.i += size
		}
	}
	return "", false
}

// escape reads the escape sequence at s.i (its backslash) and appends its
// value to out when decode is set.
func (s *scanner) escape(out []byte, decode bool) ([]byte, bool) {
	if s.i+1 >= len(s.b) {
		return out, false
	}
	c := s.b[s.i+1]
	s.i += 2
	var r rune
	switch c {
	case '"', '\\', '/':
		r = rune(c)
	case 'b':
		r = '\b'
	case 'f':
		r = '\f'
	case 'n':
		r = '\n'
	case 'r':
		r = '\r'
	case 't':
		r = '\t'
	case 'u':
		u, ok := s.hex4()
		if !ok {
			return out, false
		}
		r = u
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
			// A high surrogate followed by \uDC00-\uDFFF is one character.
			if u < 0xDC00 && s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
				save := s.i
				s.i += 2
				lo, ok := s.hex4()
				if !ok {
					return out, false
				}
				if d := utf16.DecodeRune(u, lo); d != utf8.RuneError {
					r = d
				} else {
					s.i = save // the second escape stands on its own
				}
			}
		}
	default:
		return out, false
	}
	if decode {
		out = utf8.AppendRune(out, r)
	}
	return out, true
}

func (s *scanner) hex4() (rune, bool) {
	if len(s.b)-s.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.i += 4
	return rune(n), true
}
