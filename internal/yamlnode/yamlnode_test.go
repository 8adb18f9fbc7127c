package yamlnode

import (
	"strings"
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

// Names as ~/.aws/config spells them lead to spin's.
func TestSuggestAWSConfigNames(t *testing.T) {
	profileKeys := []string{"source", "role_arn", "role_session_name", "external_id", "mfa_serial", "region", "duration", "min_validity"}
	ssoKeys := []string{"start_url", "region", "scopes"}
	for _, tt := range []struct {
		name  string
		known []string
		want  string
	}{
		{"sso_region", ssoKeys, "region"},
		{"sso_start_url", ssoKeys, "start_url"},
		{"sso_registration_scopes", ssoKeys, "scopes"},
		{"duration_seconds", profileKeys, "duration"},
		{"source_profile", profileKeys, "source"},
		{"mfa_serial_number", profileKeys, "mfa_serial"},
		{"credential_process", profileKeys, ""},
		{"x_id", profileKeys, ""},
	} {
		if got := SuggestKey(tt.name, tt.known); got != tt.want {
			t.Errorf("SuggestKey(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Names typed on the command line get only close names: a stored key set
// "prod" is no suggestion for a mistyped "prod-old".
func TestSuggestNamesNotPrefixes(t *testing.T) {
	for name, want := range map[string]string{"prod-old": "", "prdo": "prod", "sso_region": ""} {
		if got := Suggest(name, []string{"prod", "region"}); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"group", "role_arn", "source", "min_validity"}
	for name, want := range map[string]string{
		"grup": "group", "roleArn": "role_arn", "role-arn": "role_arn", "min validity": "min_validity",
		"sources": "source", "region": "", "": "", "gruop": "group", "roel_arn": "role_arn",
	} {
		if got := Suggest(name, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestEntries(t *testing.T) {
	src := "a: 1\nb:\n  deep: {grup: x, group: y, group: z}\n*x: 1\n<<: {a: 1}\n[k]: v\n"
	r := &Reader{File: "f.yaml", Kind: Kind{Name: "f files"}}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("x: &x 1\n"+src), &doc); err != nil {
		t.Fatal(err)
	}
	top := r.Entries(doc.Content[0], "at the top level", []string{"x", "a", "b"})
	if len(top) != 3 || top[2].Name != "b" || top[2].Key.Line != 3 {
		t.Fatalf("top entries: %+v", top)
	}
	deep := r.Entries(top[2].Val.Content[1], "in b.deep", []string{"group"})
	if len(deep) != 1 || deep[0].Val.Value != "y" {
		t.Fatalf("deep entries: %+v", deep)
	}
	want := []string{
		`f.yaml:4:10: unknown key "grup" in b.deep (known: group; did you mean "group"?)`,
		`f.yaml:4:29: duplicate key "group" in b.deep (first at 4:19)`,
		`f.yaml:5:1: aliases (*x) are not supported in f files: write the value out`,
		`f.yaml:6:1: merge keys (<<) are not supported in f files: write the settings out`,
		`f.yaml:7:1: keys at the top level must be names, got a list`,
	}
	var got []string
	for _, e := range r.Errs() {
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Errs reads in file order whatever order the reader checked sections in,
// stops at MaxErrors, and keeps each problem on one line.
func TestErrs(t *testing.T) {
	r := &Reader{File: "f.yaml"}
	for i := range MaxErrors + 5 {
		r.Errorf(&yaml.Node{Line: MaxErrors + 5 - i, Column: 2}, "bad\nvalue %d", i)
	}
	errs := r.Errs()
	if len(errs) != MaxErrors+1 {
		t.Fatalf("got %d errors, want %d", len(errs), MaxErrors+1)
	}
	if got, want := errs[0].Error(), `f.yaml:1:2: bad\nvalue 24`; got != want {
		t.Errorf("first: got %q, want %q", got, want)
	}
	if got, want := errs[MaxErrors].Error(), "f.yaml:21:2: too many errors"; got != want {
		t.Errorf("last: got %q, want %q", got, want)
	}
	if got, want := Errorf("g.yaml", &yaml.Node{}, "x").Error(), "g.yaml:1:1: x"; got != want {
		t.Errorf("Errorf at no position: got %q, want %q", got, want)
	}
}

func TestDecode(t *testing.T) {
	kind := Kind{Name: "x", Text: "f.yaml", One: "an f file"}
	tests := []struct{ in, want string }{
		{"", ""},
		{"# only a comment\n", ""},
		{"~\n", ""},
		{"a: 1\n---\nb: 2\n", "f.yaml:3:1: a second YAML document: an f file is one document (remove the ---)"},
		{"a: \xff\n", "f.yaml:1:4: invalid UTF-8 (f.yaml must be UTF-8 text)"},
	}
	for _, tt := range tests {
		r := &Reader{File: "f.yaml", Kind: kind}
		n := r.Decode([]byte(tt.in))
		var got []string
		for _, e := range r.Errs() {
			got = append(got, e.Error())
		}
		if strings.Join(got, "\n") != tt.want {
			t.Errorf("Decode(%q): got %q, want %q", tt.in, got, tt.want)
		}
		if (n != nil) != strings.HasPrefix(tt.in, "a: 1") {
			t.Errorf("Decode(%q) = %v", tt.in, n)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "abc", 0}, {"sst", "sts", 1}, {"sst", "s3", 2},
		{"kitten", "sitting", 3}, {"ab", "ba", 1}, {"abc", "ca", 3},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}
