package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/proc"
)

func rec(profile string, at time.Time, exe string) Record {
	return Record{Time: at, Profile: profile, SessionName: "spin-alice", Outcome: OK,
		Caller: proc.Process{PID: 10, Exe: exe},
		Chain:  []proc.Process{{PID: 11, Exe: "/usr/bin/spin-credential-process"}, {PID: 10, Exe: exe}, {PID: 9, Exe: "/bin/bash"}}}
}

// The log is 0600, appends, rotates by size into PATH.1 and reads back
// both parts in order, filtered.
func TestLogAppendsRotatesAndReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "audit.log")
	line, _ := json.Marshal(rec("p", time.Now(), "/usr/bin/aws"))
	l, err := Open(path, int64(len(line)+1)*3) // three records per file
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for i := range 5 {
		profile := "a"
		if i%2 == 1 {
			profile = "b"
		}
		if err := l.Append(rec(profile, t0.Add(time.Duration(i)*time.Minute), "/usr/bin/aws")); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".1"} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", p, err, st.Mode())
		}
	}
	all, skipped, err := Read(path, Filter{})
	if err != nil || skipped != 0 || len(all) != 5 {
		t.Fatalf("read %d records (%d skipped, %v), want 5", len(all), skipped, err)
	}
	for i, r := range all {
		if !r.Time.Equal(t0.Add(time.Duration(i) * time.Minute)) {
			t.Errorf("record %d at %v, want in order of writing", i, r.Time)
		}
	}
	got, _, _ := Read(path, Filter{Profile: "a", Since: t0.Add(time.Minute)})
	if len(got) != 2 || got[0].Profile != "a" || !got[0].Time.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("filtered: %+v, want profile a's records from 03:02", got)
	}

	// A torn last line (a crash mid-write) is skipped, not fatal; a
	// reopened log appends after it.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"time":"2026-01-02T03`)
	f.Close()
	l, err = Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.Append(rec("c", t0.Add(time.Hour), "/usr/bin/aws"))
	l.Close()
	got, skipped, err = Read(path, Filter{Profile: "c"})
	if err != nil || len(got) != 1 || skipped != 1 {
		t.Errorf("after a torn line: %d records, %d skipped, %v; want 1 and 1", len(got), skipped, err)
	}
}

func TestOpenRefusesASymlinkAndTightensMode(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	os.WriteFile(target, nil, 0o644)
	link := filepath.Join(dir, "audit.log")
	os.Symlink(target, link)
	if _, err := Open(link, 0); err == nil {
		t.Errorf("Open followed a symlink")
	}
	if _, err := Open(target, 0); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
}

func TestReportTableAndJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, _ := Open(path, 0)
	now := time.Now()
	l.Append(rec("p", now.Add(-2*time.Hour), "/usr/bin/aws"))
	l.Append(rec("p", now.Add(-time.Minute), "/home/u/bin/tool\x1b[2J"))
	l.Close()
	since, err := ParseSince("1h", now)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Report(&b, path, Filter{Since: since}, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "/usr/bin/aws") || !strings.Contains(out, "/home/u/bin/tool") || strings.Contains(out, "\x1b") {
		t.Errorf("table since 1h:\n%s\nwant only the recent caller, without escapes", out)
	}
	if !strings.Contains(out, "spin-credential-process[11] < tool") {
		t.Errorf("table lacks the chain:\n%s", out)
	}
	b.Reset()
	if err := Report(&b, path, Filter{}, true); err != nil {
		t.Fatal(err)
	}
	var recs []Record
	if err := json.Unmarshal(b.Bytes(), &recs); err != nil || len(recs) != 2 || recs[0].Caller.Exe != "/usr/bin/aws" {
		t.Errorf("JSON report %s: %v", b.String(), err)
	}
	for _, bad := range []string{"yesterday", "-1h"} {
		if _, err := ParseSince(bad, now); err == nil {
			t.Errorf("ParseSince(%q) accepted", bad)
		}
	}
	if got, _ := ParseSince("2d", now); !got.Equal(now.AddDate(0, 0, -2)) {
		t.Errorf("2d = %v", got)
	}
}
