package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudspin/spin/internal/proc"
	"github.com/cloudspin/spin/internal/termtext"
)

// ParseSince reads --since: a duration back from now (90s, 15m, 1h, 2d)
// or an RFC 3339 time. Empty is the beginning.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("--since %q is neither a duration (90s, 15m, 1h, 2d) nor a time (2026-01-02T15:04:05Z)", s)
	}
	return now.Add(-d), nil
}

// Report writes the records of the log at path that f selects: a table,
// or with asJSON a JSON array of records.
func Report(w io.Writer, path string, f Filter, asJSON bool) error {
	recs, skipped, err := Read(path, f)
	if err != nil {
		return err
	}
	if asJSON {
		if recs == nil {
			recs = []Record{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	}
	if len(recs) == 0 {
		fmt.Fprintf(w, "no credentials requests recorded in %s%s\n", path, describe(f))
	} else if err := WriteTable(w, recs); err != nil {
		return err
	}
	if skipped > 0 {
		fmt.Fprintf(w, "(%d unreadable lines skipped)\n", skipped)
	}
	return nil
}

func describe(f Filter) string {
	var s string
	if f.Profile != "" {
		s += " for profile " + f.Profile
	}
	if !f.Since.IsZero() {
		s += " since " + f.Since.Local().Format(time.DateTime)
	}
	return s
}

// WriteTable prints records one per line: when, profile, session name,
// whether AWS was called, the outcome, the program that asked and the
// chain it asked through (nearest first).
func WriteTable(w io.Writer, recs []Record) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tPROFILE\tSESSION\tSTS\tOUTCOME\tCALLER\tCHAIN")
	for _, r := range recs {
		sts := "-"
		if r.STS {
			sts = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Local().Format(time.DateTime), r.Profile,
			dash(r.SessionName), sts, r.Outcome, termtext.Clean(r.Caller.Name())+" ["+strconv.Itoa(r.Caller.PID)+"]", Chain(r.Chain))
	}
	return tw.Flush()
}

// Chain renders a process chain as "helper[12] < aws[10] < bash[9]".
func Chain(chain []proc.Process) string {
	parts := make([]string, len(chain))
	for i, p := range chain {
		name := filepath.Base(p.Exe)
		if p.Script != "" {
			name = filepath.Base(p.Script)
		}
		parts[i] = termtext.Clean(name) + "[" + strconv.Itoa(p.PID) + "]"
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " < ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteRecent prints spind's recent callers (`spin status --callers`),
// grouped by profile, oldest first within each.
func WriteRecent(w io.Writer, recs []Record) error {
	if len(recs) == 0 {
		_, err := fmt.Fprintln(w, "no credentials requests since spind started")
		return err
	}
	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b Record) int { return strings.Compare(a.Profile, b.Profile) })
	return WriteTable(w, sorted)
}
