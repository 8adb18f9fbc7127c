package awsemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestS3StreamingSignedAWSExample replays the chunked upload example of
// AWS's S3 documentation ("Signature Calculations for the Authorization
// Header: Transferring Payload in Multiple Chunks"): 66560 bytes of 'a' in
// chunks of 64 KiB and 1 KiB, with the seed and chunk signatures given
// there.
func TestS3StreamingSignedAWSExample(t *testing.T) {
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	emu := New(Options{
		Keys: []Key{{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
		Now:  func() time.Time { return at },
	})
	if err := emu.CreateBucket("examplebucket"); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("a"), 66560)
	chunks := []struct {
		size int
		sig  string
	}{
		{65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"},
		{1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"},
		{0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"},
	}
	encode := func(data []byte) []byte {
		var b bytes.Buffer
		off := 0
		for _, c := range chunks {
			fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", c.size, c.sig)
			b.Write(data[off : off+c.size])
			b.WriteString("\r\n")
			off += c.size
		}
		return b.Bytes()
	}
	put := func(body []byte) *httptest.ResponseRecorder {
		r := httptest.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", bytes.NewReader(body))
		r.Header.Set("X-Amz-Date", "20130524T000000Z")
		r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
		r.Header.Set("Content-Encoding", "aws-chunked")
		r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
		r.Header.Set("X-Amz-Content-Sha256", streamingSigned)
		r.Header.Set("Content-Length", "66824") // signed: a shortened body must fail on the body, not the header
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
			"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
			"Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
		w := httptest.NewRecorder()
		emu.ServeHTTP(w, r)
		return w
	}

	body := encode(data)
	if len(body) != 66824 {
		t.Fatalf("encoded body has %d bytes, want the example's Content-Length 66824", len(body))
	}
	if w := put(body); w.Code != 200 {
		t.Fatalf("PUT: got %d, want 200; body %s", w.Code, w.Body)
	}
	if got, err := emu.Object("examplebucket", "chunkObject.txt"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Object: got %d bytes (%v), want the 66560 decoded bytes", len(got), err)
	}

	tampered := bytes.Clone(data)
	tampered[65536+10] = 'b' // in the second chunk: its signature no longer matches
	if w := put(encode(tampered)); w.Code != 403 || !strings.Contains(w.Body.String(), "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("PUT with a changed chunk: got %d %s, want 403 SignatureDoesNotMatch", w.Code, w.Body)
	}
	if w := put(body[:len(body)-86]); w.Code != 400 || !strings.Contains(w.Body.String(), "<Code>IncompleteBody</Code>") {
		t.Errorf("PUT without the final chunk: got %d %s, want 400 IncompleteBody", w.Code, w.Body)
	}
	if got, _ := emu.Object("examplebucket", "chunkObject.txt"); !bytes.Equal(got, data) {
		t.Error("a refused PUT changed the stored object")
	}
}

// TestS3UnsignedTrailerSDK: over HTTPS the SDK sends PutObject bodies
// aws-chunked with a trailing CRC32 (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
func TestS3UnsignedTrailerSDK(t *testing.T) {
	f := newFixture(t)
	if err := f.emu.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		forms []string
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			mu.Lock()
			forms = append(forms, r.Header.Get("X-Amz-Content-Sha256"))
			mu.Unlock()
		}
		f.emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	sess := f.session(t, 3600)
	c := s3.New(s3.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken),
		BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), UsePathStyle: true, Retryer: aws.NopRetryer{},
		// What s3.NewFromConfig defaults to; s3.New leaves checksums off.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	})
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("big"), Body: bytes.NewReader(data),
	}); err != nil {
		t.Fatalf("PutObject over HTTPS: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(forms) != 1 || forms[0] != streamingUnsignedTrailer {
		t.Errorf("got X-Amz-Content-Sha256 %q, want [%s]", forms, streamingUnsignedTrailer)
	}
	if got, err := f.emu.Object(bucket, "big"); err != nil || !bytes.Equal(got, data) {
		t.Errorf("Object: got %d bytes (%v), want the %d bytes sent", len(got), err, len(data))
	}
}

// s3Signed builds an S3 request signed by the SDK's signer with the given
// X-Amz-Content-Sha256 (none if empty), as alice.
func s3Signed(t *testing.T, method, url, body, contentSHA string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hash := contentSHA
	if contentSHA != "" {
		req.Header.Set("X-Amz-Content-Sha256", contentSHA)
	} else {
		hash = sha256Hex(body)
	}
	creds := aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: alice.SecretAccessKey}
	if err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		SignHTTP(t.Context(), creds, req, hash, "s3", "eu-west-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// doS3 sends req and returns the status, S3 error code and response.
func doS3(t *testing.T, req *http.Request) (int, string, *http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e s3ErrorResponse
	if resp.StatusCode >= 300 && len(b) > 0 {
		if err := xml.Unmarshal(b, &e); err != nil {
			t.Fatalf("error body %q: %v", b, err)
		}
	}
	return resp.StatusCode, e.Code, resp, string(b)
}

func TestS3RawRequests(t *testing.T) {
	f := newFixture(t)
	if err := f.emu.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	obj := f.url + "/" + bucket + "/raw"
	chunked := func(framing string) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			return s3Signed(t, "PUT", obj, framing, streamingUnsignedTrailer, time.Now())
		}
	}
	tests := []struct {
		name   string
		req    func(t *testing.T) *http.Request
		status int
		code   string
	}{
		{"hex payload hash", func(t *testing.T) *http.Request {
			return s3Signed(t, "PUT", obj, "body", sha256Hex("body"), time.Now())
		}, 200, ""},
		{"unsigned payload", func(t *testing.T) *http.Request {
			return s3Signed(t, "PUT", obj, "body", unsignedPayload, time.Now())
		}, 200, ""},
		{"payload hash of another body", func(t *testing.T) *http.Request {
			return s3Signed(t, "PUT", obj, "body", sha256Hex("other"), time.Now())
		}, 400, "XAmzContentSHA256Mismatch"},
		{"no x-amz-content-sha256", func(t *testing.T) *http.Request {
			return s3Signed(t, "PUT", obj, "body", "", time.Now())
		}, 400, "InvalidRequest"},
		{"signed trailer form", func(t *testing.T) *http.Request {
			return s3Signed(t, "PUT", obj, "", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", time.Now())
		}, 501, "NotImplemented"},
		{"unsigned trailer form", chunked("4\r\nbody\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"), 200, ""},
		{"chunk longer than its size", chunked("2\r\nbody\r\n0\r\n\r\n"), 400, "InvalidRequest"},
		{"chunk shorter than its size", chunked("9\r\nbody\r\n0\r\n\r\n"), 400, "IncompleteBody"},
		{"chunk size not hex", chunked("zz\r\nbody\r\n0\r\n\r\n"), 400, "InvalidRequest"},
		{"no final chunk", chunked("4\r\nbody\r\n"), 400, "IncompleteBody"},
		{"path is signed as sent, not escaped twice", func(t *testing.T) *http.Request {
			return s3Signed(t, "PUT", f.url+"/"+bucket+"/a%20b%2Bc", "x", sha256Hex("x"), time.Now())
		}, 200, ""},
		{"clock skew", func(t *testing.T) *http.Request {
			return s3Signed(t, "GET", obj, "", emptySHA256, time.Now().Add(-20*time.Minute))
		}, 403, "RequestTimeTooSkewed"},
		{"anonymous", func(t *testing.T) *http.Request {
			r, _ := http.NewRequestWithContext(t.Context(), "GET", obj, nil)
			return r
		}, 403, "AccessDenied"},
		{"malformed authorization", func(t *testing.T) *http.Request {
			r := s3Signed(t, "GET", obj, "", emptySHA256, time.Now())
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "", 1))
			return r
		}, 400, "AuthorizationHeaderMalformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, _, body := doS3(t, tt.req(t))
			if status != tt.status || code != tt.code {
				t.Errorf("got %d %q, want %d %q; body %s", status, code, tt.status, tt.code, body)
			}
		})
	}
	if got, err := f.emu.Object(bucket, "a b+c"); err != nil || string(got) != "x" {
		t.Errorf("Object(%q): got %q (%v), want %q", "a b+c", got, err, "x")
	}

	// The signing headers of the PUT are not kept as object metadata.
	_, _, resp, body := doS3(t, s3Signed(t, "GET", obj, "", emptySHA256, time.Now()))
	if body != "body" {
		t.Errorf("GET: got body %q, want %q", body, "body")
	}
	for _, h := range []string{"X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token", "Content-Encoding"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("GET: response header %s: %q, want none", h, v)
		}
	}
}

func TestS3Presigned(t *testing.T) {
	f := newFixture(t)
	if err := f.emu.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	ps := s3.NewPresignClient(f.sessionS3Client(t), s3.WithPresignExpires(time.Minute))
	put, err := ps.PresignPutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), put.Method, put.URL, strings.NewReader("presigned"))
	if status, code, _, body := doS3(t, req); status != 200 {
		t.Fatalf("presigned PUT: got %d %s %s", status, code, body)
	}
	get, err := ps.PresignGetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequestWithContext(t.Context(), get.Method, get.URL, nil)
	if status, _, _, body := doS3(t, req); status != 200 || body != "presigned" {
		t.Fatalf("presigned GET: got %d %q", status, body)
	}
	f.clock.Advance(2 * time.Minute) // past X-Amz-Expires, well within 15 minutes of skew
	req, _ = http.NewRequestWithContext(t.Context(), get.Method, get.URL, nil)
	if status, code, _, body := doS3(t, req); status != 403 || code != "AccessDenied" || !strings.Contains(body, "Request has expired") {
		t.Errorf("presigned GET after expiry: got %d %q %s, want 403 AccessDenied, Request has expired", status, code, body)
	}
}
