package stackrun

import (
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// Each file is walked as a yaml.Node tree, not decoded with KnownFields:
// only the tree has the line and column of every key and value, for errors
// and for the origins --show-config prints. A file is checked on its own,
// so an error points into the file that holds it, before any merging.

// stackKind names stack-instance files in the reader's messages.
var stackKind = yamlnode.Kind{Name: "stack-instance files", Text: "stack-instance files", One: "a stack-instance file"}

// parser checks one file against the schema and converts it to a value tree.
type parser struct {
	yamlnode.Reader
}

func (p *parser) pos(n *yaml.Node) Pos { return Pos{p.File, n.Line, n.Column} }

// parseFile returns the file's settings as a mapping value, or nil for an
// empty file.
func (p *parser) parseFile(data []byte) *value {
	root := p.Decode(data)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.Errorf(root, "a stack-instance file must be a mapping with the keys %s, got %s", strings.Join(schema().known(), ", "), yamlnode.Describe(root))
		return nil
	}
	return p.walk(root, schema(), "", "at the top level")
}

// anyValue converts a parameter's value: any YAML that has a JSON form.
func (p *parser) anyValue(n *yaml.Node, name string) *value {
	switch n.Kind {
	case yaml.AliasNode:
		p.Errorf(n, "aliases (*%s) are not supported in stack-instance files: write the value out", n.Value)
		return nil
	case yaml.MappingNode:
		out := newMap(p.pos(n))
		for _, e := range p.Entries(n, "in parameter "+name, nil) {
			if v := p.anyValue(e.Val, name+"."+e.Name); v != nil {
				out.set(e.Name, v)
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
			p.Errorf(n, "parameter %s is %s, which tofu variables cannot hold", name, n.Value)
			return nil
		}
		v.scalar = f
	default:
		p.Errorf(n, "parameter %s has the tag %s, which spin does not know (use plain YAML values)", name, v.tag)
		return nil
	}
	if err != nil {
		p.Errorf(n, "parameter %s: %v", name, err)
		return nil
	}
	return v
}
