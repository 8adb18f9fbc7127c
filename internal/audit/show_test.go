package audit

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestShowReadsTheLogUnderTheStateDirectory(t *testing.T) {
	state := t.TempDir()
	l, err := Open(filepath.Join(state, "spin", "audit.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	l.Append(rec("old", now.Add(-3*time.Hour), "/usr/bin/aws"))
	l.Append(rec("new", now.Add(-time.Minute), "/usr/bin/terraform"))
	l.Close()
	getenv := func(k string) string { return map[string]string{"XDG_STATE_HOME": state}[k] }
	var b bytes.Buffer
	if err := Show(&b, getenv, Query{Since: "1h"}, now); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "/usr/bin/terraform") || strings.Contains(out, "/usr/bin/aws") {
		t.Errorf("since 1h:\n%s", out)
	}
	b.Reset()
	if err := Show(&b, getenv, Query{Profile: "old"}, now); err != nil || !strings.Contains(b.String(), "/usr/bin/aws") || strings.Contains(b.String(), "terraform") {
		t.Errorf("profile old: %v\n%s", err, b.String())
	}
	if err := Show(&b, getenv, Query{Since: "yesterday"}, now); err == nil {
		t.Error("a bad --since was accepted")
	}
	if err := Show(&b, func(string) string { return "" }, Query{}, now); err == nil || !strings.Contains(err.Error(), "set HOME or XDG_STATE_HOME") {
		t.Errorf("no home: %v", err)
	}
}
