package profiles

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cloudspin/spin/internal/sdkcheck/sdkread"
)

// FuzzAWSConfig: parse then render gives the input back; syncing a spin
// profile into any file keeps every byte outside that profile, is stable,
// reads back through aws-sdk-go-v2 as written, and removing an appended
// profile restores the input.
//
//	go test -run '^$' -fuzz FuzzAWSConfig -fuzztime 30s ./profiles
func FuzzAWSConfig(f *testing.F) {
	for _, data := range corpus(f) {
		f.Add(data)
	}
	for _, s := range []string{
		"[profile fz]\n" + Marker + "\nregion = x\n  nested = y\n# after\n",
		"[profile fz]\r\n" + Marker,
		"[profile fz]\nregion = x\n",
		"[profile fz]\n" + Marker + "\n[profile fz]\n" + Marker + "\n",
		"\n\n", "\r\n", "x", "[", "[]", "\ufeff", "\ufeff[profile fz]\n" + Marker + "\n",
		"[profile fz]\n" + Marker + "\n\tcontinued\n[b]", "[fz]\nregion = a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := ParseAWSConfig(data)
		if got := doc.Render(); !bytes.Equal(got, data) {
			t.Fatalf("Render(Parse(%q)) = %q", data, got)
		}
		for _, w := range doc.Warnings {
			if w.Line < 1 || w.Line > max(1, len(doc.lines)) {
				t.Fatalf("warning %v is not on a line of the file", w)
			}
		}
		before := ParseAWSConfig(data)
		want := []AWSProfile{{Name: "fz", Region: "eu-west-1"}}
		changes, err := Sync(doc, testHelper, want, SyncOptions{})
		var ue *UnmanagedError
		var de *DuplicateError
		if errors.As(err, &ue) || errors.As(err, &de) {
			if !bytes.Equal(doc.Render(), data) {
				t.Fatalf("a refused edit changed the document")
			}
			return
		}
		if err != nil {
			t.Fatalf("Sync: %v", err)
		}
		out := doc.Render()
		checkKept(t, before, doc, map[string]bool{"fz": true}, false)

		again := ParseAWSConfig(out)
		if ch, err := Sync(again, testHelper, want, SyncOptions{}); err != nil || ch[0].Action != Unchanged || !bytes.Equal(again.Render(), out) {
			t.Fatalf("second sync: %v, %v; want no change to %q", ch, err, out)
		}
		crashes := slices.ContainsFunc(before.Warnings, func(w Warning) bool { return w.Msg == msgLoneQuote })
		if !before.bom && !crashes { // the SDK reads a BOM as part of line 1
			// In process: a spind per input would slow the fuzzer down.
			if err := sdkread.Check(context.Background(), configCheck(filepath.Join(t.TempDir(), "config"), out, changes[:1])); err != nil {
				t.Fatalf("%v in %q", err, out)
			}
		}
		if err := again.RemoveProfile("fz"); err != nil {
			t.Fatalf("RemoveProfile after Sync: %v", err)
		}
		n := len(before.lines)
		appended := changes[0].Action == Added && (n == 0 || before.lines[n-1].EOL != "" && len(bytes.TrimSpace([]byte(before.lines[n-1].Text))) > 0)
		if got := again.Render(); appended && !bytes.Equal(got, data) {
			t.Fatalf("add then remove gave %q, want the input %q", got, data)
		}
	})
}
