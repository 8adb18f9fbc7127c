package awshttp

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultAnswerTimeout is how long spind waits for one AWS call's answer.
// AWS answers in well under a second; an endpoint silent for this long is
// hung or unreachable, and spind must say so before its own caller (the
// credential helper gives spind 50 s, SDKs a minute) gives up with nothing
// better than a socket timeout.
const DefaultAnswerTimeout = 15 * time.Second

// NoAnswerError is an AWS endpoint that did not answer in time. It names
// the service and the endpoint, which is what the user must check.
type NoAnswerError struct {
	Service  string // sts, sso, sso_oidc, signin, iam…
	Endpoint string // scheme://host of the request
	Wait     time.Duration
}

func (e *NoAnswerError) Error() string { return e.Describe("") }

// Describe is the error's line with the operation named (AssumeRole), as
// the SDK's operation error knows it: "sts AssumeRole at https://…: no
// answer in 15s".
func (e *NoAnswerError) Describe(operation string) string {
	what := e.Service
	if operation != "" {
		what += " " + operation
	}
	return what + " at " + e.Endpoint + ": no answer in " + e.Wait.String()
}

// Timeout marks the error as a timeout for net.Error-minded callers.
func (e *NoAnswerError) Timeout() bool { return true }

// RetryableError tells the AWS SDK's retryer not to try again: a hung
// endpoint stays hung, and retries would push the failure past the
// caller's own deadline.
func (e *NoAnswerError) RetryableError() bool { return false }

// WithAnswerTimeout returns a client sharing hc's transport (and so its
// connections) whose every request fails with *NoAnswerError when the
// answer, body included, has not arrived within wait.
func WithAnswerTimeout(hc *http.Client, service string, wait time.Duration) *http.Client {
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c := *hc
	c.Transport = answerTimeout{next: next, service: service, wait: wait}
	return &c
}

type answerTimeout struct {
	next    http.RoundTripper
	service string
	wait    time.Duration
}

func (t answerTimeout) RoundTrip(r *http.Request) (*http.Response, error) {
	na := &NoAnswerError{Service: t.service, Endpoint: r.URL.Scheme + "://" + r.URL.Host, Wait: t.wait}
	ctx, cancel := context.WithCancelCause(r.Context())
	timer := time.AfterFunc(t.wait, func() { cancel(na) })
	done := func() {
		timer.Stop()
		cancel(nil)
	}
	resp, err := t.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		timedOut := context.Cause(ctx) == error(na)
		done()
		if timedOut {
			return nil, na
		}
		return nil, err
	}
	resp.Body = &answerBody{ReadCloser: resp.Body, ctx: ctx, na: na, done: done}
	return resp, nil
}

// answerBody keeps the timer running while the body is read and frees it
// on Close.
type answerBody struct {
	io.ReadCloser
	ctx  context.Context
	na   *NoAnswerError
	done func()
	once sync.Once
}

func (b *answerBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == error(b.na) {
		return n, b.na
	}
	return n, err
}

func (b *answerBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}
