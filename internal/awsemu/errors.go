package awsemu

import (
	"fmt"
	"net/http"
)

// apiError is an AWS error response: HTTP status, code and message.
type apiError struct {
	status  int
	code    string
	message string
	// s3, if set, is what S3 answers for the same failure; S3 has its own
	// codes and statuses for authentication errors (see s3Error).
	s3 *apiError
}

// withS3 sets the error S3 reports instead of e.
func (e *apiError) withS3(status int, code, msg string) *apiError {
	e.s3 = &apiError{status: status, code: code, message: msg}
	return e
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// The messages below are the ones AWS sends, so that clients which match
// on them (and people reading logs) see the real thing.

func errMissingAuth() *apiError {
	return newError(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

func errIncomplete(msg string) *apiError {
	return newError(http.StatusBadRequest, "IncompleteSignature", "%s", msg)
}

func errSignature(msg string) *apiError {
	return newError(http.StatusForbidden, "SignatureDoesNotMatch", "%s", msg)
}

func errBadSignature() *apiError {
	return errSignature("The request signature we calculated does not match the signature you provided. "+
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.").
		withS3(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.")
}

// errUnknownKey is for an access key id the emulator does not know or has
// disabled; STS does not tell this apart from a bad session token, S3 does.
func errUnknownKey() *apiError {
	return newError(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.").
		withS3(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
}

func errInvalidToken() *apiError {
	return newError(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.").
		withS3(http.StatusBadRequest, "InvalidToken", "The provided token is malformed or otherwise invalid.")
}

// errExpiredToken: S3 answers 400 where STS answers 403, as AWS does.
func errExpiredToken() *apiError {
	return newError(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired").
		withS3(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
}

func errThrottling() *apiError {
	return newError(http.StatusBadRequest, "Throttling", "Rate exceeded")
}

func errAccessDenied(msg string) *apiError {
	return newError(http.StatusForbidden, "AccessDenied", "%s", msg)
}

func errMFAFailed() *apiError {
	return errAccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
}

// errValidation is STS's form for a parameter that breaks a constraint.
func errValidation(field, value, constraint string) *apiError {
	v := "null"
	if value != "" {
		v = "'" + value + "'"
	}
	return newError(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", v, field, constraint)
}
