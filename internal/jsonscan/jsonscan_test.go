package jsonscan

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

var seeds = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `01`, `1.`, `.5`, `1e`, `1e+`, `-`, `1.5e-7`, `2E10`,
	`true`, `tru`, `false`, `null`, `nul`, `{"a":1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{a:1}`,
	`{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-12-05T10:00:00Z"}` + "\n",
	`{"error":"unknown_profile","message":"profile x is not in config.yaml","hint":"run 'spin list'"}`,
	`{"error":"e","message":"\u003cb\u003e \"q\" \\ \/ \b\f\n\r\t \ud83d\ude00 \ud83d \udc00x \ud83d\u0041"}`,
	`{"a":"x","a":2}`, `{"a":2,"a":"y"}`, `{"a":{"b":"nested"},"c":["d"]}`, "\"\x01\"", "\"\xff\"", `"\x"`, `"\u12"`,
	`"\u12G4"`, `[[[[[]]]]]`, `{"a":1e400,"b":"x"}`, `[-1e-400]`, `{"a":"b"} {}`, " \t\r\n{} \n", `"é"`,
}

// Valid agrees with encoding/json, which refuses nothing for invalid
// UTF-8 inside strings where Valid does.
func TestValidAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)) && utf8.ValidString(s); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", s, got, want)
		}
	}
}

func TestStringsAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		checkStrings(t, []byte(s))
	}
}

func TestStringsDecodes(t *testing.T) {
	got, ok := Strings([]byte(`{"message":"a \u003cb\u003e \ud83d\ude00 \ud83d!","n":1,"hint":"next"}`))
	want := map[string]string{"message": "a <b> 😀 \uFFFD!", "hint": "next"}
	if !ok || !maps.Equal(got, want) {
		t.Errorf("Strings = %q, %v; want %q", got, ok, want)
	}
	if _, ok := Strings([]byte(`["not","an","object"]`)); ok {
		t.Error("Strings accepted an array")
	}
}

// Nesting is bounded where encoding/json bounds it: the fuzzer cannot
// reach the limit (it needs 20,000 bytes), so the edges are checked here.
func TestDepthBounded(t *testing.T) {
	nest := func(n int, open, inner, close string) []byte {
		return []byte(strings.Repeat(open, n) + inner + strings.Repeat(close, n))
	}
	for _, b := range [][]byte{
		nest(100, "[", "", "]"),
		nest(maxDepth, "[", "", "]"),
		nest(maxDepth+1, "[", "", "]"),
		nest(maxDepth, "[", "1", "]"),
		nest(maxDepth+1, "[", "1", "]"),
		nest(maxDepth, `{"a":`, "1", "}"),
		nest(maxDepth+1, `{"a":`, "1", "}"),
		nest(maxDepth+2, "[", "", "]"),
	} {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Errorf("Valid(%.20s… %d bytes) = %v, encoding/json says %v", b, len(b), got, want)
		}
		if b[0] == '{' {
			checkStrings(t, b)
		}
	}
}

func checkStrings(t *testing.T, b []byte) {
	t.Helper()
	got, ok := Strings(b)
	// Numbers stay json.Number: a float64 refuses 1e400, which is valid
	// JSON (and Strings rightly takes it).
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	wantOK := json.Valid(b) && utf8.Valid(b) && dec.Decode(&m) == nil && m != nil
	if ok != wantOK {
		t.Fatalf("Strings(%q) ok = %v, encoding/json says %v", b, ok, wantOK)
	}
	if !ok {
		return
	}
	want := map[string]string{}
	for k, v := range m {
		if s, isString := v.(string); isString {
			want[k] = s
		}
	}
	if !maps.Equal(got, want) {
		t.Fatalf("Strings(%q) = %q, encoding/json gives %q", b, got, want)
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b) && utf8.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, want)
		}
		checkStrings(t, b)
	})
}
