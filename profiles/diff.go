package profiles

import (
	"fmt"
	"strings"
)

// UnifiedDiff returns the changes from a to b as a unified diff with three
// lines of context, or "" when they are equal. Lines compare with their
// endings, so a line that only gains a final newline shows as changed.
// It is for `spin profiles diff`: the files are small and the edits few.
func UnifiedDiff(aName, bName string, a, b []byte) string {
	x, y := splitLines(string(a)), splitLines(string(b))
	ops := diffLines(x, y)
	var out strings.Builder
	const context = 3
	for i := 0; i < len(ops); {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start, end := max(0, i-context), i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			k := end
			for k < len(ops) && ops[k].kind == ' ' {
				k++
			}
			if k == len(ops) || k-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = k
		}
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
		}
		writeHunk(&out, x, y, ops[start:end])
		i = end
	}
	return out.String()
}

type diffOp struct {
	kind byte // ' ', '-' or '+'
	a, b int  // line indexes in a (for ' ' and '-') and b (for ' ' and '+')
}

func writeHunk(out *strings.Builder, x, y []string, ops []diffOp) {
	aStart, bStart, aCount, bCount := -1, -1, 0, 0
	for _, op := range ops {
		if op.kind != '+' {
			aCount++
			if aStart < 0 {
				aStart = op.a
			}
		}
		if op.kind != '-' {
			bCount++
			if bStart < 0 {
				bStart = op.b
			}
		}
	}
	// An empty range names the line before it.
	if aStart < 0 {
		aStart = ops[0].a - 1
	}
	if bStart < 0 {
		bStart = ops[0].b - 1
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aCount), hunkRange(bStart, bCount))
	for _, op := range ops {
		var line string
		if op.kind == '-' {
			line = x[op.a]
		} else {
			line = y[op.b]
		}
		text, nl := strings.CutSuffix(line, "\n")
		text = strings.TrimSuffix(text, "\r")
		fmt.Fprintf(out, "%c%s\n", op.kind, text)
		if !nl {
			out.WriteString("\\ No newline at end of file\n")
		}
	}
}

func hunkRange(start, count int) string {
	if count == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}

func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines is a longest-common-subsequence diff of the part between the
// common prefix and suffix. A '+' op's a is the a-line it comes before,
// and a '-' op's b likewise, so hunk headers can name empty ranges.
func diffLines(x, y []string) []diffOp {
	n, m := len(x), len(y)
	p := 0
	for p < n && p < m && x[p] == y[p] {
		p++
	}
	s := 0
	for s < n-p && s < m-p && x[n-1-s] == y[m-1-s] {
		s++
	}
	var ops []diffOp
	for i := range p {
		ops = append(ops, diffOp{' ', i, i})
	}
	xs, ys := x[p:n-s], y[p:m-s]
	w := len(ys) + 1
	// lcs[i*w+j] is the LCS length of xs[i:] and ys[j:]. Past a size
	// bound, every middle line is simply replaced.
	var lcs []int32
	if len(xs)*len(ys) <= 1<<22 {
		lcs = make([]int32, (len(xs)+1)*w)
		for i := len(xs) - 1; i >= 0; i-- {
			for j := len(ys) - 1; j >= 0; j-- {
				if xs[i] == ys[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
	}
	i, j := 0, 0
	for i < len(xs) || j < len(ys) {
		switch {
		case i < len(xs) && j < len(ys) && xs[i] == ys[j] && lcs != nil:
			ops = append(ops, diffOp{' ', p + i, p + j})
			i, j = i+1, j+1
		case i < len(xs) && (j == len(ys) || lcs == nil || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			ops = append(ops, diffOp{'-', p + i, p + j})
			i++
		default:
			ops = append(ops, diffOp{'+', p + i, p + j})
			j++
		}
	}
	for k := range s {
		ops = append(ops, diffOp{' ', n - s + k, m - s + k})
	}
	return ops
}
