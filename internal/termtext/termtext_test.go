package termtext

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain text: ok, ünïcödé, 日本":                      "plain text: ok, ünïcödé, 日本",
		"tab\tand\nnewline stay":                           "tab\tand\nnewline stay",
		"red \x1b[31mALERT\x1b[0m done":                    "red ALERT done",
		"\x1b]0;pwned title\x07after":                      "after",
		"\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ text": "link text",
		"erase\x1b[2K\x1b[1Aline":                          "eraseline",
		"cr\rhides":                                        "crhides",
		"bell\x07 bs\x08 del\x7f nul\x00":                  "bell bs del nul",
		"c1 csi \u009b31mred":                              "c1 csi red",
		"c1 osc \u009d0;t\u009cok":                         "c1 osc ok",
		"bidi \u202eevil\u202c txt":                        "bidi evil txt",
		"charset \x1b(Bx":                                  "charset x",
		"bad utf8 \xff!":                                   "bad utf8 \uFFFD!",
		"trailing esc \x1b":                                "trailing esc ",
		"unterminated \x1b]0;title":                        "unterminated ",
		"dcs \x1bPq#0\x1b\\ok":                             "dcs ok",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzClean(f *testing.F) {
	f.Add("a\x1b[31mb")
	f.Add("\x1b]0;x\x07")
	f.Fuzz(func(t *testing.T, s string) {
		out := Clean(s)
		for _, r := range out {
			if r == 0x1b || r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r <= 0x9f {
				t.Fatalf("Clean(%q) = %q keeps control %U", s, out, r)
			}
		}
		if Clean(out) != out {
			t.Fatalf("Clean is not idempotent on %q", s)
		}
		if len(out) > 3*len(s) {
			t.Fatalf("Clean grew %q to %q", s, out)
		}
		if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0xfffd }) && !strings.ContainsAny(s, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") && out != s {
			t.Fatalf("Clean changed printable %q to %q", s, out)
		}
	})
}
