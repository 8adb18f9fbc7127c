package profiles

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus returns the real-world-shaped AWS config files under
// testdata/awsconfig, by base name.
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob("testdata/awsconfig/*.ini")
	if err != nil || len(names) < 15 {
		t.Fatalf("got %d corpus files (%v), want at least 15", len(names), err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(filepath.Base(n), ".ini")] = data
	}
	return files
}

// describeDoc lists what the parser found, for the .parse golden files.
func describeDoc(doc *AWSConfig) []byte {
	var b bytes.Buffer
	for _, s := range doc.Sections() {
		fmt.Fprintf(&b, "line %d: section %s", s.Line, s.header())
		if p, ok := s.Profile(); ok {
			fmt.Fprintf(&b, " profile=%s", p)
		}
		if s.Managed {
			b.WriteString(" managed")
		}
		b.WriteString("\n")
	}
	for _, w := range doc.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.Bytes()
}

func TestAWSConfigRoundTrip(t *testing.T) {
	for name, data := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			doc := ParseAWSConfig(data)
			if got := doc.Render(); !bytes.Equal(got, data) {
				t.Errorf("Render(Parse(x)) = %q, want the input %q", got, data)
			}
			golden(t, filepath.Join("testdata", "awsconfig", "golden", name+".parse"), describeDoc(doc))
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		text      string
		kind      lineKind
		typ, name string
	}{
		{"", blankLine, "", ""},
		{" \t ", blankLine, "", ""},
		{"# c", commentLine, "", ""},
		{"\t; c", commentLine, "", ""},
		{"[default]", headerLine, "", "default"},
		{"  [ profile   a b ]  # c", headerLine, "profile", "a b"},
		{"[profile\tx]", headerLine, "profile", "x"},
		{"[sso-session s]", headerLine, "sso-session", "s"},
		{"[profile a;b]", badLine, "", ""}, // the SDK cuts the header at ;
		{"[]", headerLine, "", ""},
		{"[profile x", badLine, "", ""},
		{"region = x", keyLine, "", ""},
		{"region: x", keyLine, "", ""},
		{"region #= x", badLine, "", ""}, // the separator is inside the comment
		{"[x] = y", keyLine, "", ""},
		{"  max = 1", indentedLine, "", ""},
		{"\tcontinued", indentedLine, "", ""},
		{"words only", badLine, "", ""},
		{"\v#x", badLine, "", ""},
	}
	for _, tt := range tests {
		kind, typ, name := classify(tt.text)
		if kind != tt.kind || typ != tt.typ || name != tt.name {
			t.Errorf("classify(%q) = %d, %q, %q; want %d, %q, %q", tt.text, kind, typ, name, tt.kind, tt.typ, tt.name)
		}
	}
}

func TestParseLineEndings(t *testing.T) {
	tests := []struct {
		in   string
		want []Line
		eol  string
	}{
		{"", nil, "\n"},
		{"\n", []Line{{"", "\n"}}, "\n"},
		{"a", []Line{{"a", ""}}, "\n"},
		{"a\r\nb\r\nc\n", []Line{{"a", "\r\n"}, {"b", "\r\n"}, {"c", "\n"}}, "\r\n"},
		{"a\rb\r", []Line{{"a\rb\r", ""}}, "\n"},
		{"a\r\r\n", []Line{{"a\r", "\r\n"}}, "\r\n"},
	}
	for _, tt := range tests {
		doc := ParseAWSConfig([]byte(tt.in))
		if fmt.Sprint(doc.Lines()) != fmt.Sprint(tt.want) || doc.eol() != tt.eol {
			t.Errorf("ParseAWSConfig(%q): got lines %q, eol %q; want %q, %q", tt.in, doc.Lines(), doc.eol(), tt.want, tt.eol)
		}
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		in   string
		want []int // lines warned about
	}{
		{"[default]\nregion = x\n", nil},
		{"\ufeff[default]\n", []int{1}},
		{"region = x\n[default]\n", []int{1}},
		{"  nested = x\n[default]\n", []int{1}},
		{"[default]\nAKIAEXAMPLE secret\n", []int{2}},
		{"[a]\n[profile b]\n[a]\n[profile  b]\n", []int{3, 4}},
		{"[]\nregion = x\n", []int{1}},
		{"[default]\nregion = \" # c\ns3 =\n  x = '\n", []int{2, 4}}, // aws-sdk-go-v2 panics on these
		// In spin's section, a setting that takes the credentials from
		// elsewhere than spind: the next write drops it. Elsewhere it is
		// the user's business.
		{"[profile p]\n" + Marker + "\ncredential_process = x\noutput = json\nrole_arn = r\naws_secret_access_key = AKIAEXAMPLE\n# c\n\n[profile q]\nrole_arn = r\n", []int{5, 6}},
	}
	for _, tt := range tests {
		doc := ParseAWSConfig([]byte(tt.in))
		var got []int
		for _, w := range doc.Warnings {
			got = append(got, w.Line)
			if strings.Contains(w.Msg, "AKIA") {
				t.Errorf("warning %q quotes the line", w)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ParseAWSConfig(%q) warned about lines %v, want %v (%v)", tt.in, got, tt.want, doc.Warnings)
		}
	}
}
