package awsnet

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvReadsSDKVariables(t *testing.T) {
	c := FromEnv(envOf(map[string]string{
		"AWS_ENDPOINT_URL":          "https://all.example",
		"AWS_ENDPOINT_URL_STS":      "http://127.0.0.1:4566",
		"AWS_ENDPOINT_URL_SSO_OIDC": "https://oidc.example",
		"https_proxy":               "http://proxy:3128",
		"NO_PROXY":                  ".internal",
		"SSL_CERT_FILE":             "/etc/corp.pem",
	}))
	want := map[Service]string{STS: "http://127.0.0.1:4566", SSOOIDC: "https://oidc.example", SSO: "https://all.example",
		Signin: "https://all.example", S3: "https://all.example", IAM: "https://all.example"}
	for s, u := range want {
		if c.Endpoint(s) != u {
			t.Errorf("%s endpoint = %q, want %q", s, c.Endpoint(s), u)
		}
	}
	if c.Network != (Network{HTTPSProxy: "http://proxy:3128", NoProxy: ".internal", CABundle: "/etc/corp.pem"}) || c.From != "environment" {
		t.Errorf("network %+v from %q", c.Network, c.From)
	}
	if z := FromEnv(envOf(nil)); !z.IsZero() || z.From != "" {
		t.Errorf("empty environment gave %+v", z)
	}
}

func TestConfigWinsSettingBySetting(t *testing.T) {
	file := Config{Endpoints: Endpoints{STS: "https://sts.file"}, Network: Network{CABundle: "/f.pem"}, From: "config.yaml"}
	env := Config{Endpoints: Endpoints{STS: "https://sts.env", S3: "https://s3.env"}, Network: Network{HTTPSProxy: "http://p:1", CABundle: "/e.pem"}, From: "environment"}
	got := file.Over(env)
	if got.Endpoint(STS) != "https://sts.file" || got.Endpoint(S3) != "https://s3.env" ||
		got.Network != (Network{HTTPSProxy: "http://p:1", CABundle: "/f.pem"}) || got.From != "config.yaml and environment" {
		t.Errorf("Over = %+v", got)
	}
	if got := (Config{}).Over(Config{}); !got.IsZero() || got.From != "" {
		t.Errorf("nothing over nothing = %+v", got)
	}
}

func TestCheckEndpoint(t *testing.T) {
	for raw, wantErr := range map[string]string{
		"https://sts.eu-west-1.amazonaws.com": "",
		"https://vpce.example:8443/base":      "",
		"http://127.0.0.1:4566":               "",
		"http://localhost:4566":               "",
		"http://[::1]:4566":                   "",
		"http://sts.example.com":              "only allowed to a loopback",
		"http://10.0.0.1":                     "only allowed to a loopback",
		"ftp://x":                             "scheme",
		"sts.amazonaws.com":                   "absolute",
		"https://user:pw@x":                   "password",
		"https://x/?a=b":                      "query",
		"http://%zz":                          "not a URL",
	} {
		err := CheckEndpoint(raw)
		if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("CheckEndpoint(%q) = %v, want %q", raw, err, wantErr)
		}
	}
}

func TestDescribeMasksProxyPassword(t *testing.T) {
	c := Config{Endpoints: Endpoints{STS: "http://127.0.0.1:1"}, Network: Network{HTTPSProxy: "http://me:hunter2@proxy:3128"}}
	got := strings.Join(c.Describe(), "\n")
	if strings.Contains(got, "hunter2") || !strings.Contains(got, "sts endpoint: http://127.0.0.1:1") || !strings.Contains(got, "me:xxxxx@proxy:3128") {
		t.Errorf("Describe = %q", got)
	}
}

// A client for a Network goes through its proxy (CONNECT for https) and
// only its proxy: spind's own HTTPS_PROXY is not consulted.
func TestHTTPClientUsesOnlyItsProxy(t *testing.T) {
	var connects atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect {
			connects.Add(1)
		}
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer proxy.Close()
	var envConnects atomic.Int32
	envProxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		envConnects.Add(1)
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer envProxy.Close()
	t.Setenv("HTTPS_PROXY", envProxy.URL)

	do := func(n Network, url string) error {
		c, err := NewHTTPClient(n)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := do(Network{HTTPSProxy: proxy.URL}, "https://sts.amazonaws.invalid/"); err == nil {
		t.Error("request through a refusing proxy succeeded")
	}
	if connects.Load() != 1 {
		t.Errorf("proxy saw %d CONNECTs, want 1", connects.Load())
	}
	if err := do(Network{HTTPSProxy: proxy.URL, NoProxy: ".invalid"}, "https://sts.amazonaws.invalid/"); err == nil {
		t.Error("request to an unresolvable host succeeded")
	}
	if connects.Load() != 1 {
		t.Errorf("no_proxy host went through the proxy (%d CONNECTs)", connects.Load())
	}
	_ = do(Network{}, "https://sts.amazonaws.invalid/")
	if envConnects.Load() != 0 {
		t.Errorf("the process's HTTPS_PROXY was used %d times", envConnects.Load())
	}
}

// A CA bundle makes a server signed by a private CA trusted; without it
// the same server is refused.
func TestCABundleTrustsPrivateCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	bundle := filepath.Join(t.TempDir(), "corp.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	get := func(n Network) error {
		c, err := NewHTTPClient(n)
		if err != nil {
			return err
		}
		resp, err := c.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(Network{}); err == nil {
		t.Error("a private CA was trusted without a bundle")
	}
	if err := get(Network{CABundle: bundle}); err != nil {
		t.Errorf("with the bundle: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not pem"), 0o600)
	if err := CheckCABundle(junk); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("junk bundle: %v", err)
	}
}

func TestClientsShareOnePerNetwork(t *testing.T) {
	var cl Clients
	a, _ := cl.For(Network{})
	b, _ := cl.For(Network{})
	c, _ := cl.For(Network{HTTPSProxy: "http://p:1"})
	if a != b || a == c {
		t.Error("want one client per distinct Network")
	}
	if _, err := cl.For(Network{CABundle: "/nonexistent.pem"}); err == nil {
		t.Error("missing CA bundle accepted")
	}
}

func TestCheckNamesTheVariable(t *testing.T) {
	env := FromEnv(envOf(map[string]string{"AWS_ENDPOINT_URL_STS": "http://sts.example.com", "HTTPS_PROXY": "proxy:3128"}))
	err := env.Check()
	if err == nil || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL)=http://sts.example.com: http:// is only allowed to a loopback") ||
		!strings.Contains(err.Error(), "HTTPS_PROXY=proxy:3128") {
		t.Errorf("Check = %v", err)
	}
	file := Config{Endpoints: Endpoints{SSO: "ftp://x"}, From: "config.yaml"}
	if err := file.Check(); err == nil || !strings.HasPrefix(err.Error(), "endpoints.sso=ftp://x: scheme") {
		t.Errorf("Check = %v", err)
	}
}
