package credask

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/cloudspin/spin/broker/api"
)

// The path and query are escaped as net/url would (the helper does not
// link it).
func TestEscape(t *testing.T) {
	for _, s := range []string{"p", "a b/c?d#e%f+g&h=i@j:k$l~m", "ünï", ""} {
		if got, want := Escape(s, false), url.PathEscape(s); got != want {
			t.Errorf("Escape(%q, path) = %q, want %q", s, got, want)
		}
		if got, want := Escape(s, true), url.QueryEscape(s); got != want {
			t.Errorf("Escape(%q, query) = %q, want %q", s, got, want)
		}
	}
}

// The helper copies a few of spind's wire constants rather than link
// broker/api (encoding/json, fmt, slog): they must not drift.
func TestConstantsMatchAPI(t *testing.T) {
	if codeMFARequired != api.CodeMFARequired || codeSigninRequired != api.CodeSigninRequired {
		t.Errorf("credask has codes %q %q; api has %q %q", codeMFARequired, codeSigninRequired, api.CodeMFARequired, api.CodeSigninRequired)
	}
	if PathCredentials != api.PathCredentials || QueryMFAPrompt != api.QueryMFAPrompt || QueryConfig != api.QueryConfig || maxAnswer != api.MaxRequestBody {
		t.Errorf("credask has %q %q %q %d; api has %q %q %q %d", PathCredentials, QueryMFAPrompt, QueryConfig, maxAnswer,
			api.PathCredentials, api.QueryMFAPrompt, api.QueryConfig, api.MaxRequestBody)
	}
}

// A refusal reads exactly as spind's api.Error does, decoded from what
// spind writes (encoding/json, which escapes <, > and &).
func TestRefusalReadsAsAPIError(t *testing.T) {
	for _, e := range []api.Error{
		{Code: api.CodeUnknownProfile, Message: `profile "prod" is not in config.yaml`, Hint: "run 'spin list' <to see> & pick"},
		{Code: api.CodeSTSFailed, Message: "AccessDenied: \u001b[31mnot\u001b[0m allowed\n😀"},
		{Code: api.CodeMFARequired, Message: "profile p needs an MFA code", Hint: "run 'spin mfa p'", Prompt: true},
	} {
		body, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got := Refused(400, body, "p")
		if got.Error() != e.Error() {
			t.Errorf("Refused(%s) = %q, api.Error says %q", body, got.Error(), e.Error())
		}
		if r, ok := got.(*Refusal); !ok || r.Code != e.Code {
			t.Errorf("Refused(%s) = %#v, want code %q", body, got, e.Code)
		}
	}
	for _, body := range []string{`oops`, `{"error":"x"}`, `{"message":""}`, `{"message":"m"`} {
		if got, want := Refused(502, []byte(body), "p").Error(), "spind answered status 502 for profile p"; got != want {
			t.Errorf("Refused(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestProcessJSON(t *testing.T) {
	for body, want := range map[string]bool{
		`{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}`:                           true,
		`{"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":"s","SessionToken":"t"}` + "\n": true,
		`{"Version":1,"AccessKeyId":"","SecretAccessKey":"s"}`:                               false,
		`{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":""}`:                            false,
		`{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"`:                            false, // cut short
		`{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s\q"}`:                         false,
		`{"AccessKeyId":"AKIA","Version":1,"SecretAccessKey":"s"}`:                           false, // not spind's rendering
	} {
		if got := ProcessJSON([]byte(body)); got != want {
			t.Errorf("ProcessJSON(%s) = %v, want %v", body, got, want)
		}
	}
}

func TestParseResponseSkipsInformational(t *testing.T) {
	status, body, err := parseResponse([]byte("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{}"))
	if err != nil || status != 200 || string(body) != "{}" {
		t.Errorf("parseResponse = %d %q %v", status, body, err)
	}
	for raw, want := range map[string]string{
		"":                        "spind closed the connection without answering: if the socket belongs to another user, set SPIN_SOCKET to one of yours; else see spind's log",
		"HTTP/1.0 200 OK\r\n":     "spind's answer was cut short",
		"SSH-2.0-x\r\n\r\n":       `spind answered "SSH-2.0-x", not HTTP`,
		"HTTP/1.0 2x0 OK\r\n\r\n": `spind answered status "2x0"`,
	} {
		if _, _, err := parseResponse([]byte(raw)); err == nil || err.Error() != want {
			t.Errorf("parseResponse(%q) = %v, want %q", raw, err, want)
		}
	}
}

// Without a terminal in the foreground (a test has none: go test runs it
// without a controlling terminal) only SPIN_MFA_COMMAND can answer.
func TestPromptable(t *testing.T) {
	if tty := ForegroundTTY(); tty != nil {
		tty.Close()
		t.Skip("this test runs in a terminal's foreground")
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	mfa := []byte(`{"error":"mfa_required","message":"profile p needs an MFA code","hint":"run 'spin mfa p'"}`)
	signin := []byte(`{"error":"signin_required","message":"source corp needs a sign-in","source":"corp","source_kind":"sso"}`)
	for _, tt := range []struct {
		body []byte
		env  map[string]string
		want bool
	}{
		{mfa, nil, false},
		{mfa, map[string]string{"SPIN_MFA_COMMAND": "pass otp aws"}, true},
		{signin, nil, false},
		{signin, map[string]string{"SPIN_MFA_COMMAND": "pass otp aws"}, false},
		{[]byte(`{"error":"caller_not_allowed","message":"no"}`), map[string]string{"SPIN_MFA_COMMAND": "x"}, false},
		{[]byte(`not json`), map[string]string{"SPIN_MFA_COMMAND": "x"}, false},
	} {
		if got := Promptable(tt.body, env(tt.env)); got != tt.want {
			t.Errorf("Promptable(%s, %v) = %v, want %v", tt.body, tt.env, got, tt.want)
		}
	}
}
