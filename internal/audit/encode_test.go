package audit

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/proc"
)

// awkward are strings that take every branch of encoding/json's string
// escaping: HTML characters, every control character, quote and
// backslash, DEL, U+2028/U+2029, and invalid UTF-8 (stray continuation
// bytes, cut sequences, overlong forms, surrogates, beyond U+10FFFF).
var awkward = []string{
	"",
	"/usr/bin/aws",
	`<script>&"\'</script>`,
	"tab\there\nnew\rline\bback\fform",
	"\x00\x01\x1f\x7f",
	"line\u2028para\u2029end",
	"\u2027\u202a\u00e9\U0001F600",
	"\xff",
	"a\x80b",
	"\xe2\x80",     // U+2028 cut short
	"\xc0\xaf",     // overlong /
	"\xed\xa0\x80", // a surrogate
	"\xf4\x90\x80\x80",
	"end\xf0",
	"\ufffd",
}

func allControls() string {
	var b strings.Builder
	for c := range 0x80 {
		b.WriteByte(byte(c))
	}
	return b.String()
}

// full has every field of Record and proc.Process set, so a field added
// to either and not to appendRecord shows.
func full() Record {
	return Record{
		Time: time.Date(2026, 12, 5, 13, 4, 5, 123456789, time.UTC), Profile: "prod<&>", SessionName: "spin-alice",
		STS: true, Outcome: "caller_not_allowed",
		Caller: proc.Process{PID: 4242, Exe: "/usr/bin/python3", Script: "/usr/bin/aws", Wrapper: true},
		Chain:  []proc.Process{{PID: 1, Exe: "/bin/sh", Wrapper: true}, {PID: 2, Exe: "/usr/bin/python3", Script: "/usr/bin/aws"}},
	}
}

func checkSameAsMarshal(t *testing.T, r Record) {
	t.Helper()
	want, wantErr := json.Marshal(r)
	got, err := appendRecord(nil, &r)
	if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%#v:\nerror %v, json.Marshal's %v", r, err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%#v:\n got %s\nwant %s", r, got, want)
	}
}

// The audit line is exactly json.Marshal's: the same fields in the same
// order, omitempty, times, escaping, and the same errors.
func TestRecordJSONIsMarshals(t *testing.T) {
	f := full()
	for _, v := range []reflect.Value{reflect.ValueOf(f), reflect.ValueOf(f.Caller)} {
		for i := range v.NumField() {
			if v.Field(i).IsZero() {
				t.Fatalf("full() leaves %s.%s zero: set it, and encode it in appendRecord", v.Type(), v.Type().Field(i).Name)
			}
		}
	}
	checkSameAsMarshal(t, f)
	checkSameAsMarshal(t, Record{})
	checkSameAsMarshal(t, Record{Chain: []proc.Process{}})
	checkSameAsMarshal(t, Record{Caller: proc.Process{PID: -1}, Chain: []proc.Process{{}}})
	strs := append([]string{allControls()}, awkward...)
	for _, s := range strs {
		r := full()
		r.Profile, r.SessionName, r.Outcome = s, s, s
		r.Caller.Exe, r.Caller.Script = s, s
		r.Chain = append(r.Chain, proc.Process{PID: 7, Exe: s, Script: s})
		checkSameAsMarshal(t, r)
	}
	east := time.FixedZone("east", 5*3600+30*60)
	for _, at := range []time.Time{
		{},
		time.Now(), // with a monotonic reading
		time.Date(2026, 1, 2, 3, 4, 5, 0, east),
		time.Date(2026, 1, 2, 3, 4, 5, 100, time.FixedZone("west", -(11*3600+59*60))),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("odd", 3600+1)),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // json.Marshal fails
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),    // so does this
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("day", 24*3600)),
	} {
		r := full()
		r.Time = at
		checkSameAsMarshal(t, r)
	}
}

// FuzzRecordJSON holds appendRecord to json.Marshal over any strings,
// numbers and times (`make test-long` runs it).
func FuzzRecordJSON(f *testing.F) {
	for i, s := range awkward {
		f.Add(s, s, "ok", s, s, i-1, i%2 == 0, i%3 == 0, int64(i)*1e9, int64(i), i*3600, uint8(i))
	}
	f.Add(allControls(), "", "", "", "", 0, false, false, int64(-62167219200), int64(0), 0, uint8(0))
	f.Fuzz(func(t *testing.T, profile, session, outcome, exe, script string, pid int, sts, wrapper bool, sec, nsec int64, offset int, chain uint8) {
		r := Record{
			Time:    time.Unix(sec, nsec).In(time.FixedZone("z", offset%(48*3600))),
			Profile: profile, SessionName: session, STS: sts, Outcome: outcome,
			Caller: proc.Process{PID: pid, Exe: exe, Script: script, Wrapper: wrapper},
		}
		if chain > 0 {
			r.Chain = make([]proc.Process, chain%5)
			for i := range r.Chain {
				r.Chain[i] = proc.Process{PID: pid + i, Exe: script, Script: exe[:len(exe)*i%(len(exe)+1)], Wrapper: i%2 == 0}
			}
		}
		checkSameAsMarshal(t, r)
	})
}

// A line costs no reflection and, once the buffer has grown, no
// allocation: spind appends one per credentials request.
func BenchmarkAppendRecord(b *testing.B) {
	r := full()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = appendRecord(buf[:0], &r)
	}
}

func BenchmarkMarshalRecord(b *testing.B) {
	r := full()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = json.Marshal(r)
	}
}

// Append reuses its line buffer: after the first record, writing one
// allocates nothing.
func TestAppendAllocatesNothing(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "audit.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := full()
	if err := l.Append(r); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = l.Append(r) }); n != 0 {
		t.Errorf("Append: %v allocations a record, want 0", n)
	}
}
