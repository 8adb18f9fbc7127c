package yamlnode

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Entry is one key: value pair of a mapping.
type Entry struct {
	Name     string
	Key, Val *yaml.Node
}

// Entries returns mapping n's pairs. It records what a reader with
// positions cannot use: aliases and merge keys (an origin would point at
// the anchor, and spin's files are small enough to write out), keys that
// are not names, duplicates, and, when known is not nil, keys not in known
// (with the near miss, if any). where places the mapping in messages
// ("in profile \"x\"").
func (r *Reader) Entries(n *yaml.Node, where string, known []string) []Entry {
	seen := map[string]*yaml.Node{}
	var out []Entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind == yaml.AliasNode:
			r.Errorf(k, "aliases (*%s) are not supported in %s: write the value out", k.Value, r.Kind.Name)
		case v.Kind == yaml.AliasNode:
			r.Errorf(v, "aliases (*%s) are not supported in %s: write the value out", v.Value, r.Kind.Name)
		case k.ShortTag() == "!!merge":
			r.Errorf(k, "merge keys (<<) are not supported in %s: write the settings out", r.Kind.Name)
		case k.Kind != yaml.ScalarNode:
			r.Errorf(k, "keys %s must be names, got %s", where, Describe(k))
		case seen[k.Value] != nil:
			first := seen[k.Value]
			r.Errorf(k, "duplicate key %q %s (first at %d:%d)", k.Value, where, first.Line, first.Column)
		case known != nil && !slices.Contains(known, k.Value):
			seen[k.Value] = k
			r.Unknown(k, where, known)
		default:
			seen[k.Value] = k
			out = append(out, Entry{k.Value, k, v})
		}
	}
	return out
}

// Unknown records key as not one of known, naming the near miss if there
// is one. The near miss stays inside the parenthesis: spind's answer adds
// its hint after a colon (the helper's one line), and "…?: fix the file"
// does not read as a sentence.
func (r *Reader) Unknown(key *yaml.Node, where string, known []string) {
	msg := fmt.Sprintf("unknown key %q %s (known: %s", key.Value, where, strings.Join(known, ", "))
	if s := SuggestKey(key.Value, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	r.Errorf(key, "%s)", msg)
}

// Suggest returns the known name closest to name, if it is close: the
// same letters ignoring case, -, _ and spaces, or at most two edits away.
// It is spin's one "did you mean" for names (profiles, key sets, sources)
// given on the command line.
func Suggest(name string, known []string) string {
	n := normName(name)
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(n, normName(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// SuggestKey is Suggest for keys of spin's YAML files, which also leads
// ~/.aws/config's names to spin's: failing a close name, the longest
// known key (of four letters or more) that name starts or ends with, as
// sso_region, duration_seconds and source_profile end or start with
// region, duration and source. Not for names on the command line, where
// a key set "prod" is no answer to a mistyped "prod-old".
func SuggestKey(name string, known []string) string {
	if best := Suggest(name, known); best != "" {
		return best
	}
	n, best := normName(name), ""
	for _, k := range known {
		nk := normName(k)
		if len(nk) >= 4 && len(nk) > len(normName(best)) && (strings.HasPrefix(n, nk) || strings.HasSuffix(n, nk)) {
			best = k
		}
	}
	return best
}

func normName(s string) string {
	return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
}

// editDistance counts the insertions, deletions, substitutions and
// swaps of two neighbours that turn a into b (optimal string alignment,
// so that "sst" is one swap from "sts"), for short names only.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	d := make([][]int, len(a)+1) // d[i][j]: a[:i] to b[:j]
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
