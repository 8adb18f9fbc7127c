// Package console turns temporary AWS credentials into an AWS console
// sign-in URL through the federation endpoint: getSigninToken with the
// session's credentials, then a login URL carrying the token. Only spind
// uses it, so the credentials never leave spind; the URL it returns is a
// bearer secret (whoever opens it within 15 minutes is signed in) and is
// therefore a secret.String, never logged and never part of an error.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/secret"
)

// Hosts are a partition's sign-in and console hosts.
type Hosts struct {
	Signin  string // the federation endpoint's host
	Console string
}

// PartitionHosts returns the hosts of an AWS partition (aws, aws-cn,
// aws-us-gov); unknown partitions get aws's.
func PartitionHosts(partition string) Hosts {
	switch partition {
	case "aws-cn":
		return Hosts{Signin: "signin.amazonaws.cn", Console: "console.amazonaws.cn"}
	case "aws-us-gov":
		return Hosts{Signin: "signin.amazonaws-us-gov.com", Console: "console.amazonaws-us-gov.com"}
	}
	return Hosts{Signin: "signin.aws.amazon.com", Console: "console.aws.amazon.com"}
}

// FederationEndpoint is the federation URL: override (config.yaml's
// endpoints.signin, e.g. an emulator) plus /federation, else the
// partition's.
func FederationEndpoint(partition, override string) string {
	if override != "" {
		if strings.HasSuffix(override, "/federation") {
			return override
		}
		return strings.TrimSuffix(override, "/") + "/federation"
	}
	return "https://" + PartitionHosts(partition).Signin + "/federation"
}

// Destination is the console page to land on: path (default the console
// home; "s3" and "/s3" both work), with the region when the path does not
// name one.
func Destination(partition, path, region string) (string, error) {
	if path == "" {
		path = "/console/home"
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u, err := url.Parse("https://" + PartitionHosts(partition).Console + path)
	if err != nil || u.Host != PartitionHosts(partition).Console || u.User != nil {
		return "", fmt.Errorf("console path %q is not a path on the console (use e.g. /s3 or /ec2/home)", path)
	}
	if region != "" && !u.Query().Has("region") {
		q := u.Query()
		q.Set("region", region)
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// Session is a set of temporary credentials.
type Session struct {
	AccessKeyID     string
	SecretAccessKey secret.String
	SessionToken    secret.String
}

// Request is one sign-in URL to make.
type Request struct {
	Endpoint    string // FederationEndpoint
	Session     Session
	Destination string
	Issuer      string // where the console sends the user when the session ends
	// SessionDuration is the console session's length for role sessions;
	// zero leaves it to AWS. Federated users' sessions last as long as
	// their credentials, and AWS refuses SessionDuration for them.
	SessionDuration time.Duration
}

// SigninURL asks the federation endpoint for a sign-in token and returns
// the login URL. Errors never carry the credentials, token or URL.
func SigninURL(ctx context.Context, hc *http.Client, r Request) (secret.String, error) {
	if r.Session.SessionToken.IsZero() {
		return secret.String{}, errors.New("the console needs temporary credentials (with a session token)")
	}
	sess, err := json.Marshal(map[string]string{
		"sessionId":    r.Session.AccessKeyID,
		"sessionKey":   r.Session.SecretAccessKey.Reveal(),
		"sessionToken": r.Session.SessionToken.Reveal(),
	})
	if err != nil {
		return secret.String{}, err
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(sess)}}
	clear(sess)
	if r.SessionDuration > 0 {
		q.Set("SessionDuration", strconv.Itoa(int(r.SessionDuration/time.Second)))
	}
	// GET with the session in the query is what AWS documents; the URL
	// goes only to the federation endpoint, over TLS.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.Endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return secret.String{}, fmt.Errorf("federation endpoint %s: bad endpoint URL", r.Endpoint)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, which carries the credentials
		}
		return secret.String{}, fmt.Errorf("federation endpoint %s: %w", r.Endpoint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return secret.String{}, fmt.Errorf("federation endpoint %s refused the session's credentials (HTTP %d)", r.Endpoint, resp.StatusCode)
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return secret.String{}, fmt.Errorf("federation endpoint %s answered without a sign-in token", r.Endpoint)
	}
	login := url.Values{"Action": {"login"}, "Issuer": {r.Issuer}, "Destination": {r.Destination}, "SigninToken": {out.SigninToken}}
	return secret.New(r.Endpoint + "?" + login.Encode()), nil
}
