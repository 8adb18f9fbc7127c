// Package awshttp is what every HTTP client spind uses for AWS (STS, SSO,
// Sign-In) has in common: a bounded pool of connections kept for reuse and
// request bodies net/http can replay. A transport per call, as spind once
// had, cost a TLS handshake, two goroutines and an fd per call, kept for
// minutes: 999 handshakes, 1,007 fds and 72 MB for 1,000 sessions.
package awshttp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Bounds of one client's pool.
const (
	MaxConnsPerHost     = 8 // concurrent calls per endpoint; more wait for a connection
	MaxIdleConnsPerHost = 8
	MaxIdleConns        = 16 // across endpoints
	IdleConnTimeout     = 60 * time.Second
	maxReplayableBody   = 1 << 20
)

// NewClient tunes tr (Tune) and returns a client over it that replays
// request bodies. Make one per set of network settings and keep it.
func NewClient(tr *http.Transport) *http.Client {
	Tune(tr)
	return &http.Client{Transport: Replayable(tr)}
}

// Tune bounds tr's connection pool.
func Tune(tr *http.Transport) {
	tr.MaxConnsPerHost = MaxConnsPerHost
	tr.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	tr.MaxIdleConns = MaxIdleConns
	tr.IdleConnTimeout = IdleConnTimeout
}

// Replayable hands next request bodies it can send again. With
// aws-sdk-go-v2's own body stream, about one call in ten on a reused
// connection failed to write its body (io.EOF): net/http then dropped the
// connection and retried on a new one, a TLS handshake each time. The
// bodies of STS, SSO and Sign-In calls are a few hundred bytes.
func Replayable(next http.RoundTripper) http.RoundTripper { return replayable{next} }

type replayable struct{ next http.RoundTripper }

func (t replayable) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.GetBody != nil || r.ContentLength > maxReplayableBody {
		return t.next.RoundTrip(r)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReplayableBody+1))
	if err != nil {
		r.Body.Close()
		return nil, fmt.Errorf("read request body: %w", err)
	}
	r2 := r.Clone(r.Context())
	if len(body) > maxReplayableBody { // a stream of unknown length: send it as it is
		r2.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		return t.next.RoundTrip(r2)
	}
	r.Body.Close()
	r2.ContentLength = int64(len(body))
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.next.RoundTrip(r2)
}
