// Package yamlnode is spin's one reader of hand-edited YAML: config.yaml
// (profiles) and stack-instance files (stackrun). Both walk yaml.Node
// trees, because only the tree has each key's and value's line and column,
// and report every problem as file:line:col: message, one per line, at the
// line that holds the mistake (yaml.v3's own syntax errors name the
// enclosing block instead; see locate.go).
package yamlnode

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxErrors bounds the report for a file that is not of its kind at all.
const MaxErrors = 20

// Error is one problem at a place in a YAML file.
type Error struct {
	File      string
	Line, Col int // 1-based
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// Errorf returns the problem at n in file.
func Errorf(file string, n *yaml.Node, format string, args ...any) *Error {
	return At(file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

// At returns the problem msg at line:col in file. The message is kept on
// one line, whatever a tag or yaml.v3 put in it, so that a joined report
// is one problem per line.
func At(file string, line, col int, msg string) *Error {
	msg = strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(msg)
	return &Error{file, max(line, 1), max(col, 1), msg}
}

// Kind names a kind of file in messages.
type Kind struct {
	Name string // "aliases are not supported in <Name>": spin's config
	Text string // "invalid UTF-8 (<Text> must be UTF-8 text)": config.yaml
	One  string // "a second YAML document: <One> is one document": spin's config
}

// Reader reads one file and collects its problems in place of stopping
// at the first, so that one run reports everything to fix.
type Reader struct {
	File        string // as named in messages
	Kind        Kind
	errs, warns []*Error
}

// Errorf records a problem at n.
func (r *Reader) Errorf(n *yaml.Node, format string, args ...any) {
	r.errs = append(r.errs, Errorf(r.File, n, format, args...))
}

// Warnf records a warning at n: the file is used, but something in it
// will not do what its author meant.
func (r *Reader) Warnf(n *yaml.Node, format string, args ...any) {
	r.warns = append(r.warns, Errorf(r.File, n, format, args...))
}

// Errs returns the problems in file order, at most MaxErrors of them and
// then one saying there are more (a reader checks sections out of order).
func (r *Reader) Errs() []error {
	errs := sorted(r.errs)
	if len(errs) > MaxErrors {
		errs = append(errs[:MaxErrors], At(r.File, errs[MaxErrors].Line, errs[MaxErrors].Col, "too many errors"))
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return out
}

// Warnings returns the warnings in file order.
func (r *Reader) Warnings() []*Error { return sorted(r.warns) }

func sorted(es []*Error) []*Error {
	es = slices.Clone(es)
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return es
}

// Decode parses data as one YAML document and returns its root node, or
// nil when the file is empty, comments only or null. Syntax errors are
// recorded at the line and column of the mistake.
func (r *Reader) Decode(data []byte) *yaml.Node {
	// yaml.v3 reports bad bytes without a position; find them first.
	if line, col, msg := BadChar(data, r.Kind.Text); msg != "" {
		r.errs = append(r.errs, At(r.File, line, col, msg))
		return nil
	}
	doc, extra, err := decode(data)
	if err != nil {
		line, col, msg := locate(data, err)
		r.errs = append(r.errs, At(r.File, line, col, "invalid YAML: "+msg))
		return nil
	}
	if extra != nil {
		r.Errorf(first(extra), "a second YAML document: %s is one document (remove the ---)", r.Kind.One)
	}
	if doc == nil || len(doc.Content) == 0 || IsNull(doc.Content[0]) {
		return nil
	}
	return doc.Content[0]
}

// decode returns data's first document and, if there is one, its second;
// err is the first syntax error. A nil doc is an empty file.
func decode(data []byte) (doc, extra *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var d, x yaml.Node
	if err := dec.Decode(&d); errors.Is(err, io.EOF) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	if err := dec.Decode(&x); errors.Is(err, io.EOF) {
		return &d, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	return &d, &x, nil
}

func first(n *yaml.Node) *yaml.Node {
	if len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

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
