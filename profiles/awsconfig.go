package profiles

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The AWS shared config editor. No Go library round-trips this format, and
// users hand-edit the file, so the document is a list of lines kept
// verbatim; sections are found by scanning it, and an edit splices whole
// lines. Lines are classified the way aws-sdk-go-v2's own reader does
// (config/internal/ini), so the editor and the SDK agree on where a
// section starts and ends.

// Line is one line of an AWS config file.
type Line struct {
	Text string // without its line ending
	EOL  string // "\n", "\r\n", or "" for a last line without one
}

// AWSConfig is a parsed AWS shared config (or credentials) file. It keeps
// every byte, so Render of an unedited document returns the input.
type AWSConfig struct {
	bom   bool
	lines []Line
	// Warnings are the lines AWS tools ignore or refuse, set by
	// ParseAWSConfig for the file as read.
	Warnings []Warning
}

// Warning is a problem on one line of an AWS config file. It never quotes
// the line: a key pasted into the wrong place must not reach a terminal.
type Warning struct {
	Line int
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s", w.Line, w.Msg) }

const byteOrderMark = "\xef\xbb\xbf"

// ParseAWSConfig splits data into lines. It never fails: what AWS tools
// would ignore is kept untouched and reported in Warnings.
func ParseAWSConfig(data []byte) *AWSConfig {
	c := &AWSConfig{}
	s := string(data)
	if rest, ok := strings.CutPrefix(s, byteOrderMark); ok {
		c.bom, s = true, rest
	}
	for s != "" {
		text, rest, found := strings.Cut(s, "\n")
		if !found {
			c.lines = append(c.lines, Line{Text: text})
			break
		}
		eol := "\n"
		if t, ok := strings.CutSuffix(text, "\r"); ok {
			text, eol = t, "\r\n"
		}
		c.lines = append(c.lines, Line{Text: text, EOL: eol})
		s = rest
	}
	c.Warnings = append(c.check(), c.elsewhereSettings()...)
	slices.SortStableFunc(c.Warnings, func(a, b Warning) int { return cmp.Compare(a.Line, b.Line) })
	return c
}

// Render returns the file's bytes.
func (c *AWSConfig) Render() []byte {
	var b strings.Builder
	if c.bom {
		b.WriteString(byteOrderMark)
	}
	for _, l := range c.lines {
		b.WriteString(l.Text)
		b.WriteString(l.EOL)
	}
	return []byte(b.String())
}

// Lines returns a copy of the document's lines.
func (c *AWSConfig) Lines() []Line { return append([]Line(nil), c.lines...) }

// eol is the file's dominant line ending, for lines the editor adds.
func (c *AWSConfig) eol() string {
	crlf, lf := 0, 0
	for _, l := range c.lines {
		switch l.EOL {
		case "\r\n":
			crlf++
		case "\n":
			lf++
		}
	}
	if crlf > lf {
		return "\r\n"
	}
	return "\n"
}

type lineKind uint8

const (
	blankLine    lineKind = iota
	commentLine           // # or ; after optional blanks
	headerLine            // [type name] or [name]
	keyLine               // key = value (or key: value) at column 1
	indentedLine          // a nested "s3 =" setting or a continuation
	badLine               // ignored by AWS tools
)

// classify mirrors aws-sdk-go-v2's tokenizer, in its order of checks.
func classify(text string) (kind lineKind, typ, name string) {
	if strings.TrimSpace(text) == "" {
		return blankLine, "", ""
	}
	if t := strings.TrimLeft(text, " \t"); t[0] == '#' || t[0] == ';' {
		return commentLine, "", ""
	}
	head, _, _ := strings.Cut(text, "#")
	head, _, _ = strings.Cut(head, ";")
	if h := strings.TrimSpace(head); len(h) >= 2 && h[0] == '[' && h[len(h)-1] == ']' {
		typ, name = splitHeader(strings.TrimSpace(h[1 : len(h)-1]))
		return headerLine, typ, name
	}
	if text[0] == ' ' || text[0] == '\t' {
		return indentedLine, "", ""
	}
	// The SDK drops an inline comment before looking for the separator.
	v := text
	for _, sep := range []string{" #", " ;", "\t#", "\t;"} {
		v, _, _ = strings.Cut(v, sep)
	}
	if strings.ContainsAny(v, "=:") {
		return keyLine, "", ""
	}
	return badLine, "", ""
}

// splitHeader splits "profile name" at its first run of blanks; a header
// without blanks has no type.
func splitHeader(s string) (typ, name string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return "", s
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// Section is one [section] of the file.
type Section struct {
	// Type is "profile", "sso-session", "services" and so on; it is empty
	// for [default] and for the sections of a credentials file.
	Type string
	Name string
	Line int // the header's line number
	// Managed reports that spin wrote the section: its first line after
	// the header is Marker.
	Managed bool

	start, end int // lines[start] is the header; the section ends before lines[end]
}

// Profile returns the profile a config-file section defines: [profile NAME]
// or [default].
func (s Section) Profile() (string, bool) {
	switch {
	case s.Type == "profile":
		return s.Name, true
	case s.Type == "" && s.Name == "default":
		return "default", true
	}
	return "", false
}

func (s Section) header() string {
	if s.Type == "" {
		return "[" + s.Name + "]"
	}
	return "[" + s.Type + " " + s.Name + "]"
}

// Sections returns the file's sections in order.
func (c *AWSConfig) Sections() []Section {
	var out []Section
	for i, l := range c.lines {
		kind, typ, name := classify(l.Text)
		if kind != headerLine {
			continue
		}
		if n := len(out); n > 0 {
			out[n-1].end = i
		}
		// Editors may leave trailing blanks; the marker still counts.
		managed := i+1 < len(c.lines) && strings.TrimRight(c.lines[i+1].Text, " \t") == Marker
		out = append(out, Section{Type: typ, Name: name, Line: i + 1, Managed: managed, start: i, end: len(c.lines)})
	}
	return out
}

// owned returns the end of the lines an edit of s replaces: the header, and
// the body up to its last setting. Blank lines and comments after that stay:
// they separate or describe what follows.
func (c *AWSConfig) owned(s Section) int {
	end := s.start + 1
	if s.Managed {
		end++
	}
	for i := end; i < s.end; i++ {
		if k, _, _ := classify(c.lines[i].Text); k != blankLine && k != commentLine {
			end = i + 1
		}
	}
	return end
}

// check finds what AWS tools would ignore or refuse.
func (c *AWSConfig) check() []Warning {
	var ws []Warning
	if c.bom {
		ws = append(ws, Warning{1, "the file starts with a byte order mark: the AWS CLI v2 refuses it and aws-sdk-go-v2 misreads line 1"})
	}
	seen := map[string]int{}
	inSection := false
	for i, l := range c.lines {
		kind, typ, name := classify(l.Text)
		switch {
		case kind == headerLine:
			inSection = true
			h := Section{Type: typ, Name: name}.header()
			if name == "" {
				ws = append(ws, Warning{i + 1, "section without a name"})
			} else if first, dup := seen[h]; dup {
				ws = append(ws, Warning{i + 1, fmt.Sprintf("duplicate section %s (first at line %d): the AWS CLI v2 refuses the file", h, first)})
			} else {
				seen[h] = i + 1
			}
		case loneQuote(l.Text, kind):
			ws = append(ws, Warning{i + 1, msgLoneQuote})
		case kind == badLine:
			ws = append(ws, Warning{i + 1, "not a [section], key = value or comment: AWS tools ignore this line"})
		case (kind == keyLine || kind == indentedLine) && !inSection:
			ws = append(ws, Warning{i + 1, "setting before the first [section]: AWS tools ignore it"})
		}
	}
	return ws
}

// spinKeys are the settings Block writes. In a section spin manages they
// are spin's, rewritten from config.yaml; every other line there is the
// user's (`aws configure set output json --profile P` puts its setting
// into spin's section) and stays.
var spinKeys = map[string]bool{"credential_process": true, "region": true}

// elsewhereKeys take a profile's credentials from somewhere other than its
// credential_process: aws-sdk-go-v2 (resolveCredsFromProfile) tries
// source_profile, static keys, credential_source, a web identity token
// file, SSO and a login session first, and assumes role_arn on top of
// whatever it got; sso_region alone makes it an SSO profile. In spin's
// section any of them would bypass spind (a role the SDK chains itself, a
// plaintext key), so a write drops them, unlike the user's other settings,
// and the file's warnings say so beforehand.
var elsewhereKeys = map[string]bool{
	"aws_access_key_id": true, "aws_secret_access_key": true, "aws_session_token": true,
	"role_arn": true, "source_profile": true, "credential_source": true, "web_identity_token_file": true,
	"sso_session": true, "sso_start_url": true, "sso_region": true, "sso_account_id": true, "sso_role_name": true,
	"login_session": true,
}

// keptInManaged reports whether a write keeps the setting key, already
// in a section spin manages.
func keptInManaged(key string) bool { return !spinKeys[key] && !elsewhereKeys[key] }

// elsewhereSettings warns about each setting in a section spin manages
// that would take the profile's credentials from elsewhere than spind:
// the next write drops it. Only the key is named: the value may be a
// secret.
func (c *AWSConfig) elsewhereSettings() []Warning {
	var ws []Warning
	for _, s := range c.Sections() {
		name, ok := s.Profile()
		if !ok || !s.Managed {
			continue
		}
		for i := s.start + 2; i < c.owned(s); i++ {
			text := c.lines[i].Text
			if k, _, _ := classify(text); k != keyLine || !elsewhereKeys[settingKey(text)] {
				continue
			}
			ws = append(ws, Warning{i + 1, fmt.Sprintf("profile %s is spin's, and %s there would take its credentials from elsewhere than spind: 'spin profiles write' drops it (the .spin.bak backup keeps the file as it was)", name, settingKey(text))})
		}
	}
	return ws
}

// settingKey is the key of a key line, lower-cased as the SDKs compare
// keys.
func settingKey(text string) string {
	key, _, _ := strings.Cut(text, "=")
	key, _, _ = strings.Cut(key, ":")
	return strings.ToLower(strings.TrimSpace(key))
}

// usersLines are the lines of managed section s before end that spin does
// not write: the settings the user added, with what is nested under them,
// and the comments, blank and unreadable lines among them. Spin's own keys
// are left out, to be written afresh, and so are elsewhereKeys and an
// indented line not under a kept key: after spin's lines it would read as
// nested under them.
func (c *AWSConfig) usersLines(s Section, end int) []Line {
	var out []Line
	under := false // the last key line was the user's
	for _, l := range c.lines[s.start+2 : end] {
		switch kind, _, _ := classify(l.Text); kind {
		case keyLine:
			under = keptInManaged(settingKey(l.Text))
			if !under {
				continue
			}
		case indentedLine:
			if !under {
				continue
			}
		case badLine:
			under = false
		}
		out = append(out, l)
	}
	return out
}

const msgLoneQuote = "the value is a lone quote: aws-sdk-go-v2 crashes reading this file"

// loneQuote reports a setting whose value is one quote character, which
// makes aws-sdk-go-v2 (config v1.33) panic while stripping quotes.
func loneQuote(text string, kind lineKind) bool {
	switch kind {
	case keyLine:
		for _, sep := range []string{" #", " ;", "\t#", "\t;"} {
			text, _, _ = strings.Cut(text, sep)
		}
	case indentedLine: // the SDK keeps comments in nested values
		text = strings.TrimLeft(text, " \t")
	default:
		return false
	}
	eq, colon := strings.Index(text, "="), strings.Index(text, ":")
	sep := eq
	if eq < 0 || colon >= 0 && colon < eq {
		sep = colon
	}
	if sep < 0 {
		return false
	}
	v := strings.TrimSpace(text[sep+1:])
	return v == `"` || v == "'"
}
