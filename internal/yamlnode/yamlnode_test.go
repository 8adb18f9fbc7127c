package yamlnode

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestBadChar(t *testing.T) {
	tests := []struct {
		in        string
		line, col int
		msg       string
	}{
		{"a: b\nc: d\n", 0, 0, ""},
		{"a: b\nc: \x01\n", 2, 4, "character U+0001 is not allowed in YAML (no control characters)"},
		{"a: \xff\n", 1, 4, "invalid UTF-8 (x.yaml must be UTF-8 text)"},
		{"a:\tb\r\n", 0, 0, ""},
		{"é: \x7f", 1, 4, "character U+007F is not allowed in YAML (no control characters)"},
	}
	for _, tt := range tests {
		line, col, msg := BadChar([]byte(tt.in), "x.yaml")
		if line != tt.line || col != tt.col || msg != tt.msg {
			t.Errorf("BadChar(%q) = %d:%d %q, want %d:%d %q", tt.in, line, col, msg, tt.line, tt.col, tt.msg)
		}
	}
}

func TestDescribe(t *testing.T) {
	for in, want := range map[string]string{"[a]": "a list", "{a: b}": "a mapping", "x": "a string", "1": "a number",
		"true": "a boolean", "~": "null", "2001-01-01": "a timestamp", "!!binary aGk=": `a value tagged "!!binary"`} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(in), &doc); err != nil {
			t.Fatal(err)
		}
		n := doc.Content[0]
		if got := Describe(n); got != want {
			t.Errorf("Describe(%s) = %q, want %q", in, got, want)
		}
		if got := IsNull(n); got != (want == "null") {
			t.Errorf("IsNull(%s) = %v", in, got)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"group", "role_arn", "source", "min_validity"}
	for name, want := range map[string]string{
		"grup": "group", "roleArn": "role_arn", "role-arn": "role_arn", "min validity": "min_validity",
		"sources": "source", "region": "", "": "",
	} {
		if got := Suggest(name, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
}
