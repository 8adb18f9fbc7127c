package jsonscan

import (
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
	`"\u12G4"`, `[[[[[]]]]]`, `{"a":"b"} {}`, " \t\r\n{} \n", `"é"`,
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

func TestDepthBounded(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2)
	if Valid([]byte(deep)) {
		t.Errorf("nesting of %d accepted", maxDepth+2)
	}
	ok := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	if !Valid([]byte(ok)) {
		t.Error("nesting of 100 refused")
	}
}

func checkStrings(t *testing.T, b []byte) {
	t.Helper()
	got, ok := Strings(b)
	var m map[string]any
	wantOK := json.Valid(b) && utf8.Valid(b) && json.Unmarshal(b, &m) == nil && m != nil
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
