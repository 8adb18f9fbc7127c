package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestStringNeverPrints(t *testing.T) {
	const value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	s := New(value)
	type holder struct {
		Key  String
		Ptr  *String
		Name string
	}
	h := holder{Key: s, Ptr: &s, Name: "n"}

	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, nil))
	logger.Info("x", "secret", s, "holder", h)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("x", "secret", s)

	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", s),
		"%s":   fmt.Sprintf("%s", s),
		"%q":   fmt.Sprintf("%q", s),
		"%x":   fmt.Sprintf("%x", s),
		"%#v":  fmt.Sprintf("%#v", s),
		"%+v":  fmt.Sprintf("%+v", h),
		"%#vh": fmt.Sprintf("%#v", h),
		"json": string(js),
		"slog": logBuf.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, fmt.Sprintf("%x", value)) {
			t.Errorf("%s leaked the secret: %s", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s = %q, want it to say %s", name, out, redacted)
		}
	}
	if got := s.Reveal(); got != value {
		t.Errorf("Reveal() = %q, want the value", got)
	}
}

func TestMaskKeyID(t *testing.T) {
	for in, want := range map[string]string{
		"AKIAIOSFODNN7EXAMPLE": "AKIA…MPLE",
		"":                     "…",
		"AKIA123":              "…",
	} {
		if got := MaskKeyID(in); got != want {
			t.Errorf("MaskKeyID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsEnvVar(t *testing.T) {
	for name, want := range map[string]bool{
		"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_SECURITY_TOKEN": true,
		"SPIN_KEYRING_PASSPHRASE": true, "AWS_ACCESS_KEY_ID": true,
		"AWS_PROFILE": false, "AWS_REGION": false, "HOME": false,
	} {
		if IsEnvVar(name) != want {
			t.Errorf("IsEnvVar(%s) = %v, want %v", name, !want, want)
		}
	}
}
