package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSignatureAWSExample checks the canonical request, string to sign and
// signature against the worked example in AWS's SigV4 documentation
// (IAM ListUsers, 2015-08-30), independent of any SDK.
func TestSignatureAWSExample(t *testing.T) {
	r, err := http.NewRequest("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "+
		"SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
	sig, aerr := parseSigV4(r)
	if aerr != nil {
		t.Fatal(aerr)
	}
	canonical := canonicalRequest(r, sig, emptySHA256, true)
	wantCanonical := "GET\n/\nAction=ListUsers&Version=2010-05-08\n" +
		"content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
		"content-type;host;x-amz-date\n" + emptySHA256
	if canonical != wantCanonical {
		t.Fatalf("got canonical request\n%s\nwant\n%s", canonical, wantCanonical)
	}
	toSign := stringToSign(sig, canonical)
	wantToSign := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n" +
		"f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
	if toSign != wantToSign {
		t.Fatalf("got string to sign\n%s\nwant\n%s", toSign, wantToSign)
	}
	if got := signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sig, toSign); got != sig.signature {
		t.Errorf("got signature %s, want %s", got, sig.signature)
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1", "a=1&a=2"},
		{"a-b=1&a=2", "a=2&a-b=1"}, // by name first, not by the joined string
		{"k=a+b&s=%2F%7e", "k=a%20b&s=%2F~"},
		{"flag", "flag="},
	}
	for _, tt := range tests {
		if got := canonicalQuery(tt.raw, false); got != tt.want {
			t.Errorf("canonicalQuery(%q): got %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// send issues one raw HTTP request and returns the status and any STS
// error code.
func send(t *testing.T, method, url, body string, h http.Header) (status int, code, respBody string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (status int, code, body string) {
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
	var e queryErrorResponse
	if resp.StatusCode != http.StatusOK {
		if err := xml.Unmarshal(b, &e); err != nil || e.XMLName.Local != "ErrorResponse" {
			t.Fatalf("error body %q: %v", b, err)
		}
	}
	return resp.StatusCode, e.Error.Code, string(b)
}

// signed builds a POST to the emulator signed by the SDK's own signer, so
// the tests below check the emulator against an independent implementation.
func signed(t *testing.T, url, body, service string, k Key, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), service, "eu-west-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestRawRequests(t *testing.T) {
	f := newFixture(t)
	const gci = "Action=GetCallerIdentity&Version=2011-06-15"
	tests := []struct {
		name   string
		req    func(t *testing.T) *http.Request
		status int
		code   string
	}{
		{"signed by the SDK signer", func(t *testing.T) *http.Request {
			return signed(t, f.url, gci, "sts", alice, time.Now())
		}, 200, ""},
		{"query form", func(t *testing.T) *http.Request {
			r := signed(t, f.url+"/?"+gci, "", "sts", alice, time.Now())
			r.Method = "GET"
			return resign(t, r, "")
		}, 200, ""},
		{"path with escaped characters", func(t *testing.T) *http.Request {
			return signed(t, f.url+"/a%20b/c%2Fd~e", gci, "sts", alice, time.Now())
		}, 200, ""},
		{"unsigned header added", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.Header.Set("X-Extra", "1")
			return r
		}, 200, ""},
		{"body changed after signing", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(gci, "GetCallerIdentity", "GetSessionToken", 1)))
			r.ContentLength = -1
			r.Header.Del("Content-Length")
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"signed header changed", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"path changed", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.URL.Path = "/other"
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"query added", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.URL.RawQuery = "x=1"
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"region changed in scope", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/eu-west-1/", "/us-east-1/", 1))
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"scope names another service", func(t *testing.T) *http.Request {
			return signed(t, f.url, gci, "ec2", alice, time.Now())
		}, 403, "SignatureDoesNotMatch"},
		{"content hash header mismatch", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			return r
		}, 400, "XAmzContentSHA256Mismatch"},
		{"no authentication", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.Header.Del("Authorization")
			return r
		}, 403, "MissingAuthenticationToken"},
		{"host not signed", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=", "SignedHeaders=x-", 1))
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";host;", ";", 1))
			return r
		}, 400, "IncompleteSignature"},
		{"malformed credential", func(t *testing.T) *http.Request {
			r := signed(t, f.url, gci, "sts", alice, time.Now())
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "", 1))
			return r
		}, 400, "IncompleteSignature"},
		{"unknown action", func(t *testing.T) *http.Request {
			return signed(t, f.url, "Action=DecodeAuthorizationMessage&Version=2011-06-15&Name=x", "sts", alice, time.Now())
		}, 400, "InvalidAction"},
		{"wrong version", func(t *testing.T) *http.Request {
			return signed(t, f.url, "Action=GetCallerIdentity&Version=2010-05-08", "sts", alice, time.Now())
		}, 400, "InvalidAction"},
		{"missing action", func(t *testing.T) *http.Request {
			return signed(t, f.url, "Version=2011-06-15", "sts", alice, time.Now())
		}, 400, "MissingAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, body := do(t, tt.req(t))
			if status != tt.status || code != tt.code {
				t.Errorf("got %d %q, want %d %q; body %s", status, code, tt.status, tt.code, body)
			}
		})
	}
}

// resign signs r again after a change of method or URL.
func resign(t *testing.T, r *http.Request, body string) *http.Request {
	t.Helper()
	r.Header.Del("Authorization")
	r.Header.Del("X-Amz-Date")
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: alice.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, r, hex.EncodeToString(sum[:]), "sts", "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}
