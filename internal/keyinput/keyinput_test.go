package keyinput

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	const id, sec = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tests := []struct {
		name, in, wantErr string
	}{
		{"lines", id + "\n" + sec + "\n", ""},
		{"crlf and blanks", "\r\n" + id + "\r\n\r\n" + sec + "\r\n", ""},
		{"create-access-key json", `{"AccessKey":{"UserName":"u","AccessKeyId":"` + id + `","Status":"Active","SecretAccessKey":"` + sec + `"}}`, ""},
		{"one line", id + "\n", "expected two lines"},
		{"temporary key", "ASIAIOSFODNN7EXAMPLE\n" + sec + "\n", "temporary (ASIA) key"},
		{"json without secret", `{"AccessKey":{"AccessKeyId":"` + id + `"}}`, "empty secret"},
		{"broken json", `{"AccessKey":`, "keys JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse() error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), sec) {
					t.Fatalf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if p.AccessKeyID != id || p.SecretAccessKey.Reveal() != sec {
				t.Errorf("got id %q, want %q (secret matches: %v)", p.AccessKeyID, id, p.SecretAccessKey.Reveal() == sec)
			}
		})
	}
}

func TestReadSecretLine(t *testing.T) {
	s, err := ReadSecretLine(strings.NewReader("\n  abc/DEF+123  \nsecond\n"))
	if err != nil || s.Reveal() != "abc/DEF+123" {
		t.Errorf("ReadSecretLine = %q, %v; want the first non-empty line, trimmed", s.Reveal(), err)
	}
	if _, err := ReadSecretLine(strings.NewReader(" \n\n")); err == nil {
		t.Error("ReadSecretLine of blank input succeeded")
	}
}
