package broker

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Limits of the one HTTP client spind's AWS calls share. A transport per
// call cost a TLS handshake, two goroutines and an fd per call, kept for
// minutes (999 handshakes, 1,007 fds and 72 MB for 1,000 sessions); one
// shared transport reuses a few connections to each endpoint.
const (
	awsMaxConnsPerHost     = 8 // concurrent calls per endpoint; more wait for a connection
	awsMaxIdleConnsPerHost = 8
	awsMaxIdleConns        = 16 // across STS, SSO and Sign-In endpoints
	awsIdleConnTimeout     = 60 * time.Second
	maxBufferedBody        = 1 << 20
)

// NewHTTPClient returns the HTTP client every AWS client in spind should
// share (STS, SSO, Sign-In): create it once per spind. configure, if given,
// adjusts the transport (a CA bundle, a proxy).
func NewHTTPClient(configure ...func(*http.Transport)) aws.HTTPClient {
	c := awshttp.NewBuildableClient().WithTransportOptions(append([]func(*http.Transport){func(tr *http.Transport) {
		tr.MaxConnsPerHost = awsMaxConnsPerHost
		tr.MaxIdleConnsPerHost = awsMaxIdleConnsPerHost
		tr.MaxIdleConns = awsMaxIdleConns
		tr.IdleConnTimeout = awsIdleConnTimeout
	}}, configure...)...)
	return bufferedBodies{c}
}

// bufferedBodies hands net/http request bodies it can replay. With the
// SDK's own body stream, about one call in ten on a reused connection
// failed to write its body (io.EOF): net/http then dropped the connection
// and retried on a new one, a TLS handshake each time. The bodies of STS,
// SSO and Sign-In calls are a few hundred bytes.
type bufferedBodies struct{ next aws.HTTPClient }

func (c bufferedBodies) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength >= 0 && r.ContentLength <= maxBufferedBody {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBufferedBody+1))
		if err != nil {
			r.Body.Close()
			return nil, fmt.Errorf("read request body: %w", err)
		}
		if len(body) > maxBufferedBody { // a stream of unknown length: send it as it is
			r = r.Clone(r.Context())
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
			return c.next.Do(r)
		}
		r.Body.Close()
		r = r.Clone(r.Context())
		r.ContentLength = int64(len(body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return c.next.Do(r)
}
