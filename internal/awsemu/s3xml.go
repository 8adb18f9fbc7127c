package awsemu

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
)

// s3Error turns a shared authentication error into S3's form: S3 names
// failures its own way (InvalidAccessKeyId, InvalidToken,
// RequestTimeTooSkewed, AuthorizationHeaderMalformed) and answers an
// expired token with 400 where STS answers 403.
func s3Error(err *apiError) *apiError {
	if err.s3 != nil {
		return err.s3
	}
	switch err.code {
	case "MissingAuthenticationToken":
		return errAccessDenied("Access Denied")
	case "IncompleteSignature":
		return newError(http.StatusBadRequest, "AuthorizationHeaderMalformed", "%s", err.message)
	}
	return err
}

type s3ErrorResponse struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
}

// writeS3Error writes S3's error document. For HEAD requests net/http
// drops the body, as S3 sends none.
func writeS3Error(w http.ResponseWriter, reqID string, err *apiError) {
	body, merr := xml.Marshal(s3ErrorResponse{Code: err.code, Message: err.message, RequestID: reqID})
	if merr != nil {
		panic(merr) // a fixed type of strings always marshals
	}
	body = append([]byte(xml.Header), body...)
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amz-Request-Id", reqID)
	w.WriteHeader(err.status)
	_, _ = w.Write(body)
}

// s3Recorder sits between gofakes3 and the client. Successful responses
// pass through with the emulator's request id; error responses are held
// back and turned into an apiError, so they are counted as rejections,
// logged and written like every other error.
type s3Recorder struct {
	w      http.ResponseWriter
	reqID  string
	header http.Header
	status int
	errDoc bytes.Buffer
}

func (rec *s3Recorder) Header() http.Header { return rec.header }

func (rec *s3Recorder) WriteHeader(status int) {
	if rec.status != 0 {
		return
	}
	rec.status = status
	if status >= 400 {
		return
	}
	h := rec.w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	h.Set("X-Amz-Request-Id", rec.reqID)
	rec.w.WriteHeader(status)
}

func (rec *s3Recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if rec.status < 400 {
		return rec.w.Write(p)
	}
	if rec.errDoc.Len() < 64<<10 {
		rec.errDoc.Write(p)
	}
	return len(p), nil
}

// finish completes a response gofakes3 left without a status and returns
// the error it answered with, if any.
func (rec *s3Recorder) finish() *apiError {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if rec.status < 400 {
		return nil
	}
	var doc struct{ Code, Message string }
	_ = xml.Unmarshal(rec.errDoc.Bytes(), &doc) // HEAD errors have no document
	if doc.Code == "" {
		doc.Code = s3StatusCode(rec.status)
	}
	if doc.Message == "" {
		doc.Message = http.StatusText(rec.status)
	}
	return &apiError{status: rec.status, code: doc.Code, message: doc.Message}
}

// s3StatusCode is the code SDKs report for an error without a document.
func s3StatusCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusPreconditionFailed:
		return "PreconditionFailed"
	case http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case http.StatusBadRequest:
		return "BadRequest"
	}
	return "InternalError"
}
