package awsemu

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The S3 half of the emulator: the emulator authenticates every request
// exactly as for STS (with S3's signing rules), reads and checks the body,
// and only then hands a plain request to gofakes3, which stores objects in
// memory. gofakes3 v1.2.0 implements conditional PutObject (If-None-Match:
// * and If-Match) atomically in s3mem, which is what the OpenTofu s3
// backend's use_lockfile relies on, so no front-layer check is needed.

// The X-Amz-Content-Sha256 values S3 accepts besides a hex SHA-256 of the
// body.
const (
	unsignedPayload          = "UNSIGNED-PAYLOAD"
	streamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// maxS3Body bounds a request body, which is held in memory while it is
// checked. Terraform states are far smaller; the AWS CLI switches to
// multipart uploads of 8 MiB parts above 8 MiB.
const maxS3Body = 64 << 20

func (e *Emulator) initS3() {
	clock := clockSource(e.now)
	e.objects = s3mem.New(s3mem.WithTimeSource(clock))
	e.s3 = gofakes3.New(e.objects,
		gofakes3.WithTimeSource(clock),
		gofakes3.WithTimeSkewLimit(0), // the emulator checks dates itself
	).Server()
}

func (e *Emulator) s3Service() *service {
	return &service{
		presignExpires: true,
		payloadHash:    s3PayloadHash,
		serve:          e.serveS3,
		mapError:       s3Error,
		writeError:     writeS3Error,
	}
}

// s3PayloadHash returns the X-Amz-Content-Sha256 the client signed. Unlike
// other services S3 requires the header, and the body is checked against
// it only once the signature holds (readS3Body), as S3 does.
func s3PayloadHash(r *http.Request) (string, *apiError) {
	if r.Header.Get("Authorization") == "" { // presigned: the body is never signed
		return unsignedPayload, nil
	}
	v := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case v == "":
		return "", newError(http.StatusBadRequest, "InvalidRequest",
			"Missing required header for this request: x-amz-content-sha256")
	case v == unsignedPayload || v == streamingSigned || v == streamingUnsignedTrailer || isHexSHA256(v):
		return v, nil
	case strings.HasPrefix(v, "STREAMING-"):
		// The signed-trailer and SigV4a forms; no client spin meets sends them.
		return "", newError(http.StatusNotImplemented, "NotImplemented",
			"The emulator does not implement x-amz-content-sha256 %s.", v)
	}
	return "", newError(http.StatusBadRequest, "InvalidArgument",
		"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "+
			"STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a valid sha256 value.")
}

func isHexSHA256(v string) bool {
	b, err := hex.DecodeString(v)
	return err == nil && len(b) == 32 && strings.ToLower(v) == v
}

func (e *Emulator) serveS3(w http.ResponseWriter, r *http.Request, c *caller, reqID string) (string, *apiError) {
	action := s3Action(r)
	body, aerr := readS3Body(r, c)
	if aerr != nil {
		return action, aerr
	}
	rec := &s3Recorder{w: w, reqID: reqID, header: make(http.Header)}
	e.s3.ServeHTTP(rec, forBackend(r, body))
	return action, rec.finish()
}

// forBackend is the request gofakes3 sees: the decoded body and none of the
// signing headers, which gofakes3 would keep as object metadata (it stores
// every X-Amz-* header and sends it back on GET) or act on itself (it
// decodes aws-chunked bodies, without checking them).
func forBackend(r *http.Request, body []byte) *http.Request {
	b := r.Clone(r.Context())
	for _, h := range []string{"Authorization", "X-Amz-Security-Token", "X-Amz-Date",
		"X-Amz-Content-Sha256", "X-Amz-Decoded-Content-Length", "X-Amz-Trailer", "X-Amz-User-Agent"} {
		b.Header.Del(h)
	}
	var encodings []string
	for _, v := range b.Header.Values("Content-Encoding") {
		for enc := range strings.SplitSeq(v, ",") {
			if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "aws-chunked") {
				encodings = append(encodings, enc)
			}
		}
	}
	b.Header.Del("Content-Encoding")
	if len(encodings) > 0 {
		b.Header.Set("Content-Encoding", strings.Join(encodings, ","))
	}
	b.Body = io.NopCloser(bytes.NewReader(body))
	b.ContentLength = int64(len(body))
	b.TransferEncoding = nil
	b.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return b
}

// s3Action names a request by its S3 API operation, prefixed "s3:", the
// way Calls counts it.
func s3Action(r *http.Request) string {
	q := r.URL.Query()
	has := func(k string) bool { _, ok := q[k]; return ok }
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	byMethod := func(names map[string]string) string {
		if n, ok := names[r.Method]; ok {
			return "s3:" + n
		}
		return "s3:" + r.Method
	}
	switch {
	case bucket == "":
		return byMethod(map[string]string{"GET": "ListBuckets"})
	case q.Get("uploadId") != "":
		return byMethod(map[string]string{"GET": "ListParts", "PUT": "UploadPart",
			"POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload"})
	case has("uploads"):
		return byMethod(map[string]string{"GET": "ListMultipartUploads", "POST": "CreateMultipartUpload"})
	case has("versioning"):
		return byMethod(map[string]string{"GET": "GetBucketVersioning", "PUT": "PutBucketVersioning"})
	case has("versions"):
		return byMethod(map[string]string{"GET": "ListObjectVersions"})
	case has("location"):
		return byMethod(map[string]string{"GET": "GetBucketLocation"})
	case has("delete"):
		return byMethod(map[string]string{"POST": "DeleteObjects"})
	case key == "":
		list := "ListObjects"
		if q.Get("list-type") == "2" {
			list = "ListObjectsV2"
		}
		return byMethod(map[string]string{"GET": list, "PUT": "CreateBucket", "DELETE": "DeleteBucket",
			"HEAD": "HeadBucket", "POST": "PostObject"})
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		return "s3:CopyObject"
	}
	return byMethod(map[string]string{"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject",
		"DELETE": "DeleteObject"})
}

// clockSource gives gofakes3 the emulator's clock, so Last-Modified agrees
// with the clock that expires sessions.
type clockSource func() time.Time

func (c clockSource) Now() time.Time                  { return c().UTC() }
func (c clockSource) Since(t time.Time) time.Duration { return c().Sub(t) }
