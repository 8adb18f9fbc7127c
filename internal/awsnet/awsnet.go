// Package awsnet says where spind's AWS calls go: per-service endpoint
// overrides, the HTTPS proxy and an extra CA bundle. spind takes them from
// config.yaml (`endpoints:`, `network:`) or from the environment of an
// explicit start, never from the shell that happened to autostart it (see
// DESIGN.md, "Endpoints and spind's environment"). Every AWS client spind
// builds (STS, SSO, SSO OIDC, Sign-In) asks a Config for its endpoint and an
// HTTP client, so they all follow the same rule.
package awsnet

import (
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/cloudspin/spin/internal/awshttp"
)

// Service names an AWS service whose endpoint can be overridden; the value
// is its key under `endpoints:` in config.yaml.
type Service string

// The services spind talks to, or may: S3 and IAM are listed so that one
// place holds every override a user sets, even where only tools use them.
const (
	STS     Service = "sts"
	SSO     Service = "sso"
	SSOOIDC Service = "sso_oidc"
	Signin  Service = "signin"
	S3      Service = "s3"
	IAM     Service = "iam"
)

// Services lists every Service in the order they are shown.
func Services() []Service { return []Service{STS, SSO, SSOOIDC, Signin, S3, IAM} }

// EnvVar is the AWS SDKs' service-specific endpoint variable for s,
// e.g. AWS_ENDPOINT_URL_SSO_OIDC.
func (s Service) EnvVar() string { return "AWS_ENDPOINT_URL_" + strings.ToUpper(string(s)) }

// Endpoints are endpoint overrides by service; an empty URL means AWS's own.
type Endpoints map[Service]string

// Network is how spind reaches AWS: a proxy for HTTPS and a CA bundle added
// to the system's roots (corporate TLS inspection).
type Network struct {
	HTTPSProxy string
	NoProxy    string
	CABundle   string // path of a PEM file
}

// Config is everything that decides where an AWS call goes.
type Config struct {
	Endpoints Endpoints
	Network   Network
	// From says where the settings came from, for messages: "config.yaml
	// (path)" or "environment"; empty when nothing is set.
	From string
}

// IsZero reports whether c changes nothing: every call goes to AWS directly.
func (c Config) IsZero() bool {
	for _, u := range c.Endpoints {
		if u != "" {
			return false
		}
	}
	return c.Network == Network{}
}

// Endpoint returns the override for s, or "" for AWS's endpoint.
func (c Config) Endpoint(s Service) string { return c.Endpoints[s] }

// FromEnv reads the variables AWS SDKs and curl read: AWS_ENDPOINT_URL_<SVC>
// (else AWS_ENDPOINT_URL), HTTPS_PROXY/NO_PROXY (either case) and
// AWS_CA_BUNDLE (else SSL_CERT_FILE). spind calls it only on an explicit
// start.
func FromEnv(getenv func(string) string) Config {
	c := Config{Endpoints: Endpoints{}}
	all := getenv("AWS_ENDPOINT_URL")
	for _, s := range Services() {
		if u := cmp.Or(getenv(s.EnvVar()), all); u != "" {
			c.Endpoints[s] = u
		}
	}
	c.Network = Network{
		HTTPSProxy: cmp.Or(getenv("HTTPS_PROXY"), getenv("https_proxy")),
		NoProxy:    cmp.Or(getenv("NO_PROXY"), getenv("no_proxy")),
		CABundle:   cmp.Or(getenv("AWS_CA_BUNDLE"), getenv("SSL_CERT_FILE")),
	}
	if !c.IsZero() {
		c.From = "environment"
	}
	return c
}

// IgnoredEnv are the variables an autostarted spind must not act on: they
// belong to the shell that happened to start it. Go's own TLS code reads
// SSL_CERT_FILE/SSL_CERT_DIR, so spind removes them from its environment.
func IgnoredEnv() []string {
	v := []string{"AWS_ENDPOINT_URL", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
		"ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "AWS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"}
	for _, s := range Services() {
		v = append(v, s.EnvVar())
	}
	return v
}

// Over returns c with every setting c leaves empty taken from base: a
// service config.yaml does not override keeps an explicit start's endpoint.
func (c Config) Over(base Config) Config {
	out := Config{Endpoints: Endpoints{}}
	fromC, fromBase := false, false
	for _, s := range Services() {
		switch {
		case c.Endpoints[s] != "":
			out.Endpoints[s], fromC = c.Endpoints[s], true
		case base.Endpoints[s] != "":
			out.Endpoints[s], fromBase = base.Endpoints[s], true
		}
	}
	pick := func(a, b string) string {
		if a != "" {
			fromC = true
			return a
		}
		if b != "" {
			fromBase = true
		}
		return b
	}
	out.Network = Network{
		HTTPSProxy: pick(c.Network.HTTPSProxy, base.Network.HTTPSProxy),
		NoProxy:    pick(c.Network.NoProxy, base.Network.NoProxy),
		CABundle:   pick(c.Network.CABundle, base.Network.CABundle),
	}
	switch {
	case fromC && fromBase:
		out.From = c.From + " and " + base.From
	case fromC:
		out.From = c.From
	case fromBase:
		out.From = base.From
	}
	return out
}

// CheckEndpoint refuses a URL spind must not send signed requests to:
// it must be absolute https, or http only to a loopback address (a local
// emulator), since STS answers carry session tokens.
func CheckEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", unwrapURLError(err))
	}
	if u.Host == "" || u.Opaque != "" {
		return errors.New("not an absolute URL (want https://host[:port])")
	}
	if u.User != nil {
		return errors.New("must not carry a user name or password")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must not have a query or fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("http:// is only allowed to a loopback address (localhost, 127.0.0.1, ::1); use https://%s", u.Host)
	}
	return fmt.Errorf("scheme %q: want https:// (or http:// on loopback)", u.Scheme)
}

// CheckProxy checks an HTTPS proxy URL: http:// or https:// with a host;
// a proxy that speaks plain HTTP still carries TLS to AWS through CONNECT.
func CheckProxy(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return errors.New("want http://host:port or https://host:port")
	}
	return nil
}

// CheckCABundle checks that path is a readable PEM file with a certificate.
func CheckCABundle(path string) error {
	_, err := loadPool(path)
	return err
}

// Check validates every setting; the error names the setting, by its
// variable when c came from the environment.
func (c Config) Check() error {
	env := c.From == "environment"
	name := func(setting, variable string) string {
		if env {
			return variable
		}
		return setting
	}
	var errs []error
	for _, s := range Services() {
		if u := c.Endpoints[s]; u != "" {
			if err := CheckEndpoint(u); err != nil {
				errs = append(errs, fmt.Errorf("%s=%s: %w", name("endpoints."+string(s), s.EnvVar()+" (or AWS_ENDPOINT_URL)"), u, err))
			}
		}
	}
	if p := c.Network.HTTPSProxy; p != "" {
		if err := CheckProxy(p); err != nil {
			errs = append(errs, fmt.Errorf("%s=%s: %w", name("network.https_proxy", "HTTPS_PROXY"), Redact(p), err))
		}
	}
	if b := c.Network.CABundle; b != "" {
		if err := CheckCABundle(b); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name("network.ca_bundle", "AWS_CA_BUNDLE (or SSL_CERT_FILE)"), err))
		}
	}
	return errors.Join(errs...)
}

// Describe returns one "name: value" line per setting that is not AWS's
// default, proxy passwords masked, for `spin status` and spind's log.
func (c Config) Describe() []string {
	var out []string
	for _, s := range Services() {
		if u := c.Endpoints[s]; u != "" {
			out = append(out, fmt.Sprintf("%s endpoint: %s", s, u))
		}
	}
	if p := c.Network.HTTPSProxy; p != "" {
		out = append(out, "https_proxy: "+Redact(p))
	}
	if p := c.Network.NoProxy; p != "" {
		out = append(out, "no_proxy: "+p)
	}
	if p := c.Network.CABundle; p != "" {
		out = append(out, "ca_bundle: "+p)
	}
	return out
}

// Redact masks a password in a proxy URL.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func loadPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// Clients hands out one HTTP client per Network, so every AWS client spind
// builds shares connections while the settings stay the same. The zero
// value is ready to use.
type Clients struct {
	mu sync.Mutex
	m  map[Network]*http.Client
}

// For returns the client for n: its proxy and CA bundle and nothing from
// spind's own environment.
func (cl *Clients) For(n Network) (*http.Client, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if c, ok := cl.m[n]; ok {
		return c, nil
	}
	c, err := NewHTTPClient(n)
	if err != nil {
		return nil, err
	}
	if cl.m == nil {
		cl.m = map[Network]*http.Client{}
	}
	cl.m[n] = c
	return c, nil
}

// NewHTTPClient builds a client for n. The proxy comes from n alone
// (http.ProxyFromEnvironment would read spind's environment); requests are
// bounded by their contexts, the transport by its own timeouts.
func NewHTTPClient(n Network) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	if n.HTTPSProxy != "" {
		if err := CheckProxy(n.HTTPSProxy); err != nil {
			return nil, fmt.Errorf("https_proxy %q: %w", Redact(n.HTTPSProxy), err)
		}
		pc := httpproxy.Config{HTTPSProxy: n.HTTPSProxy, NoProxy: n.NoProxy}
		pf := pc.ProxyFunc()
		tr.Proxy = func(r *http.Request) (*url.URL, error) { return pf(r.URL) }
	}
	if n.CABundle != "" {
		pool, err := loadPool(n.CABundle)
		if err != nil {
			return nil, fmt.Errorf("ca_bundle: %w", err)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 30 * time.Second
	// Bounded pool, connections reused, bodies replayable: one such
	// client per network settings carries all of spind's AWS calls.
	return awshttp.NewClient(tr), nil
}
