package spindbin

import (
	"slices"
	"testing"
)

func TestAllowedEnvKeepsOnlyWhatSpindNeeds(t *testing.T) {
	in := []string{"HOME=/h", "PATH=/bin", "XDG_RUNTIME_DIR=/r", "SPIN_CONFIG=/c", "SPIN_SOCKET=/s", "SPIN_LOG_LEVEL=debug", "SPIN_KEYRING_BACKEND=file",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/b", "LANG=C.UTF-8", "LC_ALL=C",
		"AWS_ENDPOINT_URL_STS=http://127.0.0.1:1", "AWS_ENDPOINT_URL=http://x", "HTTPS_PROXY=http://p", "https_proxy=http://p",
		"NO_PROXY=*", "SSL_CERT_FILE=/evil.pem", "AWS_CA_BUNDLE=/evil.pem", "AWS_PROFILE=x", "SPIN_KEYRING_PASSPHRASE=pw",
		"AWS_SECRET_ACCESS_KEY=s", "LD_PRELOAD=/evil.so", "SPIN_MFA_COMMAND=x", "XDG=notaprefix"}
	got := AllowedEnv(in)
	want := []string{"HOME=/h", "PATH=/bin", "XDG_RUNTIME_DIR=/r", "SPIN_CONFIG=/c", "SPIN_SOCKET=/s", "SPIN_LOG_LEVEL=debug", "SPIN_KEYRING_BACKEND=file",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/b", "LANG=C.UTF-8", "LC_ALL=C"}
	if !slices.Equal(got, want) {
		t.Errorf("AllowedEnv = %q, want %q", got, want)
	}
}
