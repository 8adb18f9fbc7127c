package main

import (
	"os"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/awsnet"
)

// An autostarted spind takes nothing from its environment and removes the
// variables Go's own TLS and proxy code would read; an explicit start takes
// them, and refuses one it must not use.
func TestStartNet(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
	t.Setenv("SSL_CERT_FILE", "/nonexistent.pem")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
	t.Setenv("AWS_CA_BUNDLE", "")

	n, err := startNet(os.Getenv, false)
	if err == nil || !strings.Contains(err.Error(), "AWS_CA_BUNDLE (or SSL_CERT_FILE)") {
		t.Errorf("explicit start with a missing CA bundle: %+v %v", n, err)
	}
	os.Unsetenv("SSL_CERT_FILE")
	n, err = startNet(os.Getenv, false)
	if err != nil || n.Endpoint(awsnet.STS) != "http://127.0.0.1:9" || n.Network.HTTPSProxy != "http://127.0.0.1:3128" {
		t.Errorf("explicit start: %+v %v", n, err)
	}

	t.Setenv("SSL_CERT_FILE", "/nonexistent.pem")
	n, err = startNet(os.Getenv, true)
	if err != nil || !n.IsZero() {
		t.Errorf("autostart: %+v %v", n, err)
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "SSL_CERT_FILE", "HTTPS_PROXY"} {
		if v, ok := os.LookupEnv(k); ok {
			t.Errorf("autostarted spind kept %s=%s", k, v)
		}
	}
}
