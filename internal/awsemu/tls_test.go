package awsemu

import (
	"crypto/tls"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The counters see what a client costs: one transport that keeps its
// connection is one connection and one handshake for many requests; every
// new transport is another of each. spind's connection-reuse test relies
// on them.
func TestStartTLSCountsConnectionsAndHandshakes(t *testing.T) {
	e := New(Options{Keys: []Key{alice}})
	srv, err := e.StartTLS(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	trusting := func() *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.Pool}}}
	}
	hc := trusting()
	for range 5 {
		// Unsigned: the emulator refuses it, over a connection it keeps.
		resp, err := hc.Get(srv.URL + "/?Action=GetCallerIdentity&Version=2011-06-15")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("unsigned request: status %d, want 403", resp.StatusCode)
		}
	}
	if h, n := srv.Handshakes(), srv.Connections(); h != 1 || n != 1 {
		t.Errorf("5 requests on one transport: %d handshakes, %d connections; want 1 and 1", h, n)
	}
	for i := range 2 {
		c := sts.New(sts.Options{
			Region:       "eu-west-1",
			Credentials:  credentials.NewStaticCredentialsProvider(alice.AccessKeyID, alice.SecretAccessKey, ""),
			BaseEndpoint: aws.String(srv.URL),
			HTTPClient:   trusting(),
			Retryer:      aws.NopRetryer{},
		})
		if _, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("GetCallerIdentity over TLS: %v", err)
		}
		if h, n := srv.Handshakes(), srv.Connections(); h != int64(2+i) || n != int64(2+i) {
			t.Errorf("after %d SDK clients: %d handshakes, %d connections; want %d each", i+1, h, n, 2+i)
		}
	}
	// A client that does not trust the certificate gets no answer.
	plain := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(alice.AccessKeyID, alice.SecretAccessKey, "")})
	if _, err := plain.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err == nil {
		t.Errorf("a client without the certificate got an answer")
	}
	srv.Stop()
	srv.Stop()
}
