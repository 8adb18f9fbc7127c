package yamlnode

import (
	"strings"
	"testing"
)

// yaml.v3 names the block it was parsing; Decode names the mistake.
func TestDecodeSyntaxErrorAtTheMistake(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // yaml.v3 alone: see each case
	}{
		// yaml.v3: line 3 (the profiles: line, above the block it parsed).
		{"key indented too little", "defaults:\n  region: eu-west-1\nprofiles:\n  dev:\n    source: u\n    role_arn: arn:aws:iam::123456789012:role/x\n  prod:\n    source: u\n   region: eu-west-2\n    duration: 1h\n",
			"f.yaml:9:4: invalid YAML: did not find expected key"},
		// yaml.v3: line 4.
		{"key indented too much", "profiles:\n  dev:\n    source: u\n      region: x\n",
			"f.yaml:4:13: invalid YAML: mapping values are not allowed in this context"},
		// yaml.v3: line 3.
		{"tab as indentation", "profiles:\n  dev:\n\tsource: u\n",
			"f.yaml:3:1: invalid YAML: found character that cannot start any token (a tab: YAML indents with spaces only)"},
		{"tab as indentation, CRLF", "defaults:\r\n\tregion: eu-west-1\r\n",
			"f.yaml:2:1: invalid YAML: found character that cannot start any token (a tab: YAML indents with spaces only)"},
		{"tab after spaces", "profiles:\n  dev:\n    source: u\n  \tregion: x\n",
			"f.yaml:4:3: invalid YAML: found a tab character that violates indentation"},
		// yaml.v3: line 2.
		{"list item among keys", "profiles:\n  dev:\n    source: u\n    - x\n",
			"f.yaml:4:5: invalid YAML: did not find expected key"},
		{"two colons", "profiles:\n  dev: a: b\n",
			"f.yaml:2:9: invalid YAML: mapping values are not allowed in this context"},
		// yaml.v3: line 1; the line where the list was left open.
		{"unclosed flow list", "profiles:\n  dev: [a, b\n  x: 1\n",
			"f.yaml:2:12: invalid YAML: did not find expected ',' or ']'"},
		{"unclosed quote", "profiles:\n  dev: \"abc\n  x: 1\n",
			"f.yaml:2:8: invalid YAML: found unexpected end of stream"},
		{"mistake in the second document", "a: 1\n---\nb: 1\n c: 2\n",
			"f.yaml:4:3: invalid YAML: mapping values are not allowed in this context"},
		{"no final line break", "a:\n  b: 1\n c: 2",
			"f.yaml:3:2: invalid YAML: did not find expected key"},
		{"CRLF", "a:\r\n  b: 1\r\n c: 2\r\n",
			"f.yaml:3:2: invalid YAML: did not find expected key"},
		{"after multi-byte text", "é: ü\nx:\n  b: 1\n c: 2\n",
			"f.yaml:4:2: invalid YAML: did not find expected key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reader{File: "f.yaml", Kind: Kind{"x", "x", "x"}}
			if n := r.Decode([]byte(tt.in)); n != nil {
				t.Errorf("Decode returned a node")
			}
			var got []string
			for _, e := range r.Errs() {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Whatever the mistake, the position is inside the file: every one-byte
// deletion or insertion of an indentation-changing character in these
// files that yaml.v3 refuses is placed on one of its lines, at a column
// of that line.
func TestLocateStaysInTheFile(t *testing.T) {
	seeds := []string{
		"defaults:\n  region: eu-west-1\nprofiles:\n  dev:\n    source: u\n    role_arn: [a, b]\n    tags: {a: 'x'}\n  prod: \"q\"\n",
		"a:\r\n  - b: 1\r\n    c: |\r\n      text\r\n  - d\r\n",
		"é: ü\nx:\n  b: 1\n",
	}
	for _, seed := range seeds {
		for i := 0; i <= len(seed); i++ {
			for _, in := range []string{seed[:i] + seed[min(i+1, len(seed)):], seed[:i] + " " + seed[i:], seed[:i] + "\t" + seed[i:], seed[:i] + ":" + seed[i:], seed[:i] + "\n" + seed[i:]} {
				_, _, err := decode([]byte(in))
				if err == nil {
					continue
				}
				line, col, msg := locate([]byte(in), err)
				lines := strings.Split(in, "\n")
				if line < 1 || line > len(lines) || col < 1 || col > len([]rune(lines[line-1]))+1 || msg == "" {
					t.Errorf("locate(%q) = %d:%d %q", in, line, col, msg)
				}
			}
		}
	}
}
