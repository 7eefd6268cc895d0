package incidentmap

import (
	"errors"
	"fmt"
)

// Error codes. The API maps each to one HTTP status; stores and services
// return them so that callers never have to inspect driver errors.
const (
	ECONFLICT     = "conflict"     // a unique key or version check failed
	EINTERNAL     = "internal"     // a bug or an unavailable dependency
	EINVALID      = "invalid"      // the caller sent something malformed
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // credentials lack the role needed
	ESTALE        = "stale"        // a write named a version that is no longer current
)

// Error is an error meant for the caller: Message is safe to show to a client,
// and Param, when set, names the request parameter or field at fault.
type Error struct {
	Code    string
	Message string
	Param   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("incidentmap: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns an EINVALID *Error naming param, the request parameter or
// field at fault. The message is prefixed with the parameter name.
func Invalidf(param, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Param: param, Message: param + ": " + fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, and "internal error" for any other error, whose text may hold
// internals such as SQL or file paths.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorParam returns the parameter named by the first *Error in err's chain.
func ErrorParam(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Param
	}
	return ""
}
