package awslogin

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/smithy-go"
)

// Error is Sign-In's answer to a token call: its OAuth2ErrorCode (such as
// TOKEN_EXPIRED) and message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return "Sign-In: " + e.Code + ": " + e.Message }

// The codes that end a login session, so that only a new sign-in helps.
const (
	CodeTokenExpired            = "TOKEN_EXPIRED"
	CodeAuthcodeExpired         = "AUTHCODE_EXPIRED"
	CodeUserCredentialsChanged  = "USER_CREDENTIALS_CHANGED"
	CodeInsufficientPermissions = "INSUFFICIENT_PERMISSIONS"
)

// NeedsSignin reports whether err means the login session is over and the
// user must sign in again.
func NeedsSignin(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case CodeTokenExpired, CodeAuthcodeExpired, CodeUserCredentialsChanged:
		return true
	}
	return false
}

// classify turns the SDK's exceptions into *Error; other errors (network,
// throttling without a code) stay as they are.
func classify(err error) error {
	var ad *types.AccessDeniedException
	var ve *types.ValidationException
	var ie *types.InternalServerException
	var tm *types.TooManyRequestsError
	switch {
	case errors.As(err, &ad):
		return &Error{Code: string(ad.Error_), Message: ad.ErrorMessage()}
	case errors.As(err, &ve):
		return &Error{Code: string(ve.Error_), Message: ve.ErrorMessage()}
	case errors.As(err, &ie):
		return &Error{Code: string(ie.Error_), Message: ie.ErrorMessage()}
	case errors.As(err, &tm):
		return &Error{Code: "TOO_MANY_REQUESTS", Message: tm.ErrorMessage()}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return &Error{Code: ae.ErrorCode(), Message: ae.ErrorMessage()}
	}
	return err
}
