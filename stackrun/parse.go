package stackrun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// Each file is walked as a yaml.Node tree, not decoded with KnownFields:
// only the tree has the line and column of every key and value, for errors
// and for the origins --show-config prints. A file is checked on its own,
// so an error points into the file that holds it, before any merging.

// maxErrors bounds the report for a file that is not a stack config at all.
const maxErrors = 20

// parser checks one file against the schema and converts it to a value tree.
type parser struct {
	file string
	errs []error
}

// PosError is a problem at a position in a stack-instance file.
type PosError struct {
	Pos Pos
	Msg string
}

func (e *PosError) Error() string { return e.Pos.String() + ": " + e.Msg }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errAt(n.Line, n.Column, fmt.Sprintf(format, args...))
}

func (p *parser) errAt(line, col int, msg string) {
	if len(p.errs) == maxErrors {
		msg = "too many errors"
	} else if len(p.errs) > maxErrors {
		return
	}
	msg = strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(msg)
	p.errs = append(p.errs, &PosError{Pos{p.file, max(line, 1), max(col, 1)}, msg})
}

func (p *parser) pos(n *yaml.Node) Pos { return Pos{p.file, n.Line, n.Column} }

// parseFile returns the file's settings as a mapping value, or nil for an
// empty file.
func (p *parser) parseFile(data []byte) *value {
	if line, col, msg := yamlnode.BadChar(data, "stack-instance files"); msg != "" {
		p.errAt(line, col, msg)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, extra yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) { // io.EOF: empty, or comments only
			p.yamlError(err)
		}
		return nil
	}
	if err := dec.Decode(&extra); err == nil {
		p.errorf(firstNode(&extra), "a second YAML document: a stack-instance file is one document (remove the ---)")
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if yamlnode.IsNull(root) {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a stack-instance file must be a mapping with the keys %s, got %s", strings.Join(schema.known(), ", "), yamlnode.Describe(root))
		return nil
	}
	return p.walk(root, schema, "", "at the top level")
}

func firstNode(n *yaml.Node) *yaml.Node {
	if len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): `) })

// yamlError positions a syntax error; yaml.v3 gives only the line.
func (p *parser) yamlError(err error) {
	msg, line := err.Error(), 1
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	p.errAt(line, 1, "invalid YAML: "+strings.TrimPrefix(msg, "yaml: "))
}

// entry is one key: value pair of a mapping.
type entry struct {
	name     string
	key, val *yaml.Node
}

// entries returns a mapping's pairs, reporting keys spin cannot use.
func (p *parser) entries(n *yaml.Node, where string) []entry {
	var out []entry
	for _, e := range yamlnode.Entries(n, where, "stack-instance files", p.errorf) {
		out = append(out, entry{e.Name, e.Key, e.Val})
	}
	return out
}

// anyValue converts a parameter's value: any YAML that has a JSON form.
func (p *parser) anyValue(n *yaml.Node, name string) *value {
	switch n.Kind {
	case yaml.AliasNode:
		p.errorf(n, "aliases (*%s) are not supported in stack-instance files: write the value out", n.Value)
		return nil
	case yaml.MappingNode:
		out := newMap(p.pos(n))
		for _, e := range p.entries(n, "in parameter "+name) {
			if v := p.anyValue(e.val, name+"."+e.name); v != nil {
				out.set(e.name, v)
			}
		}
		return out
	case yaml.SequenceNode:
		out := &value{kind: listKind, pos: p.pos(n)}
		for i, it := range n.Content {
			if v := p.anyValue(it, fmt.Sprintf("%s[%d]", name, i)); v != nil {
				out.items = append(out.items, v)
			}
		}
		return out
	}
	v := &value{kind: scalarKind, text: n.Value, tag: n.ShortTag(), pos: p.pos(n)}
	var err error
	switch v.tag {
	case "!!str", "!!timestamp", "!!binary": // tofu has no time or bytes type
		v.scalar = n.Value
	case "!!null":
	case "!!bool":
		var b bool
		err = n.Decode(&b)
		v.scalar = b
	case "!!int":
		var x any // int, or uint64 and float64 for what int cannot hold
		err = n.Decode(&x)
		v.scalar = x
	case "!!float":
		var f float64
		err = n.Decode(&f)
		if err == nil && (math.IsInf(f, 0) || math.IsNaN(f)) {
			p.errorf(n, "parameter %s is %s, which tofu variables cannot hold", name, n.Value)
			return nil
		}
		v.scalar = f
	default:
		p.errorf(n, "parameter %s has the tag %s, which spin does not know (use plain YAML values)", name, v.tag)
		return nil
	}
	if err != nil {
		p.errorf(n, "parameter %s: %v", name, err)
		return nil
	}
	return v
}
