package audit

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/cloudspin/spin/internal/proc"
)

// appendRecord appends r to b as json.Marshal(r) writes it, byte for byte:
// spind appends a record per credentials request, and encoding/json's
// reflection was a good part of what a cached answer cost (issue 16).
// FuzzRecordJSON and TestRecordJSONIsMarshals hold it to json.Marshal; a
// field added to Record or proc.Process must be added here too (the
// differential test fills every field, and fails until it is).
func appendRecord(b []byte, r *Record) ([]byte, error) {
	b = append(b, `{"time":"`...)
	b, err := r.Time.AppendText(b)
	if err != nil {
		// A time RFC 3339 cannot hold (year outside 0-9999, an offset
		// of a day or more): json.Marshal fails too, and its error is
		// the one to give. (A copy, so that r does not escape.)
		rc := *r
		return json.Marshal(rc)
	}
	b = append(b, `","profile":`...)
	b = appendString(b, r.Profile)
	if r.SessionName != "" {
		b = append(b, `,"session_name":`...)
		b = appendString(b, r.SessionName)
	}
	b = append(b, `,"sts":`...)
	b = strconv.AppendBool(b, r.STS)
	b = append(b, `,"outcome":`...)
	b = appendString(b, r.Outcome)
	b = append(b, `,"caller":`...)
	b = appendProcess(b, &r.Caller)
	b = append(b, `,"chain":`...)
	if r.Chain == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Chain {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendProcess(b, &r.Chain[i])
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendProcess is json.Marshal of a proc.Process (its field order, tags
// and omitempty).
func appendProcess(b []byte, p *proc.Process) []byte {
	b = append(b, `{"pid":`...)
	b = strconv.AppendInt(b, int64(p.PID), 10)
	b = append(b, `,"exe":`...)
	b = appendString(b, p.Exe)
	if p.Script != "" {
		b = append(b, `,"script":`...)
		b = appendString(b, p.Script)
	}
	if p.Wrapper {
		b = append(b, `,"wrapper":true`...)
	}
	return append(b, '}')
}

const hex = "0123456789abcdef"

// replacement is what json.Marshal writes for a byte of invalid UTF-8:
// the escape \ufffd up to go1.26, U+FFFD itself from go1.27 on (where
// encoding/json runs on json/v2), whichever toolchain builds spind. Asked
// of json.Marshal once, when first needed.
var replacement = sync.OnceValue(func() string {
	b, _ := json.Marshal("\xff")
	return string(b[1 : len(b)-1])
})

// appendString quotes s as encoding/json does with HTML escaping on (the
// default of json.Marshal): <, > and & as \u003c..., control characters
// as \n, \t... or \u00XX, U+2028 and U+2029 escaped, and each byte of
// invalid UTF-8 as U+FFFD (replacement). Executable paths and profile
// names are whatever bytes the system allows, so all of this is reachable.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, replacement()...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
