package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// RecordKeyringBackend pins spind's keyring backend in config.yaml, so that
// an autostarted spind (other environment, no D-Bus yet) cannot pick a
// different backend than the one the first `spin keys add` stored keys in.
//
// A keyring.backend the file already sets wins and is left alone. Otherwise
// one line is added and every other byte of the file is kept; a missing
// file is created (directory 0700, file 0600). The file is replaced
// atomically with its mode kept, and a symlinked config is followed to its
// target so dotfile managers keep their link. The file is locked as
// `spin profiles import` locks it, so neither loses the other's edit.
func RecordKeyringBackend(ctx context.Context, path, backend string) error {
	if backend == "auto" || !slices.Contains(backends, backend) {
		return fmt.Errorf("record keyring backend: %q is not a backend to pin (want one of %s)", backend, strings.Join(backends[1:], ", "))
	}
	_, _, err := editFile(ctx, path, true, func(_ string, data []byte) ([]byte, error) {
		if data == nil {
			return []byte("keyring:\n  backend: " + backend + "\n"), nil
		}
		return addKeyringBackend(path, data, backend)
	})
	if err != nil {
		return fmt.Errorf("record keyring backend: %w", err)
	}
	return nil
}

// addKeyringBackend returns data with keyring.backend set, or nil when the
// file already sets it. It is the pure half of RecordKeyringBackend: it
// inserts text instead of re-encoding the YAML, which would lose comments.
func addKeyringBackend(path string, data []byte, backend string) ([]byte, error) {
	before, err := Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("record keyring backend: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil { // cannot fail after Parse
		return nil, fmt.Errorf("record keyring backend: %w", err)
	}
	nl := "\n"
	if bytes.Contains(data, []byte("\r\n")) {
		nl = "\r\n"
	}
	manual := fmt.Errorf("record keyring backend: cannot edit %s safely; add this under keyring: yourself\n  backend: %s", path, backend)

	var root *yaml.Node
	if len(doc.Content) > 0 && !yamlnode.IsNull(doc.Content[0]) {
		root = doc.Content[0]
	}
	var out []byte
	switch {
	case root == nil || root.Kind == yaml.MappingNode && root.Style&yaml.FlowStyle == 0 && lookup(root, "keyring") == nil:
		indent := ""
		if root != nil {
			indent = strings.Repeat(" ", root.Content[0].Column-1)
		}
		out = slices.Clip(data)
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, nl...)
		}
		out = append(out, indent+"keyring:"+nl+indent+"  backend: "+backend+nl...)
	case root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle != 0:
		return nil, manual
	default:
		key := lookup(root, "keyring")
		val := root.Content[slices.Index(root.Content, key)+1]
		var indent int
		switch {
		case yamlnode.IsNull(val) && val.Value == "": // "keyring:" with nothing under it
			indent = key.Column - 1 + 2
		case val.Kind != yaml.MappingNode || val.Style&yaml.FlowStyle != 0:
			return nil, manual
		case lookup(val, "backend") != nil:
			b := val.Content[slices.Index(val.Content, lookup(val, "backend"))+1]
			if yamlnode.IsNull(b) || b.Value == "" {
				return nil, fmt.Errorf("record keyring backend: %s:%d:%d: keyring.backend is empty; set it to %s", path, b.Line, b.Column, backend)
			}
			return nil, nil
		default:
			indent = val.Content[0].Column - 1
		}
		if out, err = insertAfterLine(data, key, strings.Repeat(" ", indent)+"backend: "+backend+nl, nl); err != nil {
			return nil, manual
		}
	}

	// Never write what does not read back as the same config plus the pin.
	after, err := Parse(path, out)
	if err != nil || after.Keyring.Backend != backend || !sameExceptBackend(before, after) {
		return nil, manual
	}
	return out, nil
}

// lookup returns the key node named name in mapping m, or nil.
func lookup(m *yaml.Node, name string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == name {
			return k
		}
	}
	return nil
}

// insertAfterLine inserts text after the line holding key. It checks that
// the key is where yaml.v3 says, since YAML also counts line breaks (a lone
// CR, U+2028) that a byte scan does not.
func insertAfterLine(data []byte, key *yaml.Node, text, nl string) ([]byte, error) {
	start := 0
	for line := 1; line < key.Line; line++ {
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 {
			return nil, errors.New("line not found")
		}
		start += i + 1
	}
	rest := data[start:]
	indent := key.Column - 1
	if len(rest) < indent || strings.TrimLeft(string(rest[:indent]), " ") != "" ||
		!bytes.HasPrefix(bytes.TrimLeft(rest[indent:], `"'`), []byte(key.Value)) {
		return nil, errors.New("key not where the parser put it")
	}
	out := make([]byte, 0, len(data)+len(nl)+len(text))
	end := bytes.IndexByte(rest, '\n')
	if end < 0 { // "keyring:" on the last line, without a newline
		out = append(append(out, data...), nl...)
		return append(out, text...), nil
	}
	at := start + end + 1
	out = append(out, data[:at]...)
	out = append(out, text...)
	return append(out, data[at:]...), nil
}

func sameExceptBackend(a, b *Config) bool {
	x, y := *a, *b
	x.Keyring.Backend, y.Keyring.Backend = "", ""
	// Positions move by one line; only the values must be equal.
	x.Warnings, y.Warnings, x.origins, y.origins = nil, nil, nil, nil
	return reflect.DeepEqual(x, y)
}
