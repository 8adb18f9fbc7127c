package profiles

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "x\ny\n", "x\ny\n", ""},
		{"from empty", "", "a\nb\n", "@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"to empty", "a\n", "", "@@ -1 +0,0 @@\n-a\n"},
		{"append", "1\n2\n3\n4\n5\n", "1\n2\n3\n4\n5\n6\n", "@@ -3,3 +3,4 @@\n 3\n 4\n 5\n+6\n"},
		{"insert without context", "1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nnew\n5\n6\n7\n8\n", "@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+new\n 5\n 6\n 7\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "x\n2\n3\n4\n5\n6\n7\n8\n9\ny\n",
			"@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+y\n"},
		{"one hunk when close", "1\n2\n3\n4\n5\n6\n7\n", "x\n2\n3\n4\n5\n6\ny\n",
			"@@ -1,7 +1,7 @@\n-1\n+x\n 2\n 3\n 4\n 5\n 6\n-7\n+y\n"},
		{"final newline", "a\nb", "a\nb\nc\n", "@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n"},
		{"crlf shown without CR", "a\r\n", "a\r\nb\r\n", "@@ -1 +1,2 @@\n a\n+b\n"},
	}
	for _, tt := range tests {
		got := UnifiedDiff("a", "b", []byte(tt.a), []byte(tt.b))
		want := tt.want
		if want != "" {
			want = "--- a\n+++ b\n" + want
		}
		if got != want {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, got, want)
		}
	}
}

// TestUnifiedDiffApplies checks random edits: applying the diff to a gives b.
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func() string {
		var b strings.Builder
		for range r.IntN(30) {
			fmt.Fprintf(&b, "%d\n", r.IntN(5))
		}
		if r.IntN(4) == 0 {
			b.WriteString("end")
		}
		return b.String()
	}
	for range 2000 {
		a, b := random(), random()
		d := UnifiedDiff("a", "b", []byte(a), []byte(b))
		got, err := applyDiff(a, d)
		if err != nil || got != b {
			t.Fatalf("patching %q with\n%s\ngot %q, %v; want %q", a, d, got, err, b)
		}
	}
}

// applyDiff applies a unified diff made by UnifiedDiff, checking every
// context and removed line against a.
func applyDiff(a, d string) (string, error) {
	if d == "" {
		return a, nil
	}
	src := splitLines(a)
	lines := strings.SplitAfter(strings.TrimPrefix(d, "--- a\n+++ b\n"), "\n")
	var out []string
	pos := 0
	for i := 0; i < len(lines) && lines[i] != ""; i++ {
		l := lines[i]
		// Restore the line ending the diff shows with a marker line.
		full := strings.TrimPrefix(l, l[:1])
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], `\ No newline`) {
			full = strings.TrimSuffix(full, "\n")
			i++
		}
		switch l[0] {
		case '@':
			f := strings.Fields(l)
			start, _, _ := strings.Cut(strings.TrimPrefix(f[1], "-"), ",")
			n, err := strconv.Atoi(start)
			if err != nil {
				return "", err
			}
			if !strings.Contains(f[1], ",0") {
				n--
			}
			out = append(out, src[pos:n]...)
			pos = n
		case ' ', '-':
			if pos >= len(src) || src[pos] != full {
				return "", fmt.Errorf("line %d: diff has %q, a has %q", pos+1, full, src[min(pos, len(src)-1)])
			}
			if l[0] == ' ' {
				out = append(out, full)
			}
			pos++
		case '+':
			out = append(out, full)
		}
	}
	return strings.Join(append(out, src[pos:]...), ""), nil
}
