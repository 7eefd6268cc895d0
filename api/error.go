package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// Codes of the errors the transport itself raises, besides the domain's.
const (
	codeUnavailable      = "unavailable"
	codeMethodNotAllowed = "method_not_allowed"
	codeTooLarge         = "too_large"
)

var (
	errRouteNotFound    = incidentmap.Errorf(incidentmap.ENOTFOUND, "no such resource")
	errMethodNotAllowed = incidentmap.Errorf(codeMethodNotAllowed, "method not allowed on this resource")
	errNotReady         = incidentmap.Errorf(codeUnavailable, "database unreachable")
)

// errorBody is the JSON body of every error response, in the shape of an
// OGC API exception.
type errorBody struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Parameter   string `json:"parameter,omitempty"`
	// Limit names the server limit that refused the request, for 413 and
	// 503 answers: heavy-requests, body-bytes, database, request-timeout.
	Limit     string `json:"limit,omitempty"`
	RequestID string `json:"requestId"`
}

// errorStatus maps an error to the HTTP status and code it is rendered with.
func errorStatus(err error) (status int, code string) {
	var le *limitError
	if errors.As(err, &le) {
		if le.status == http.StatusRequestEntityTooLarge {
			return le.status, codeTooLarge
		}
		return le.status, codeUnavailable
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable, codeUnavailable
	}
	code = incidentmap.ErrorCode(err)
	switch code {
	case incidentmap.EINVALID:
		return http.StatusBadRequest, code
	case incidentmap.EUNAUTHORIZED:
		return http.StatusUnauthorized, code
	case incidentmap.EFORBIDDEN:
		return http.StatusForbidden, code
	case incidentmap.ENOTFOUND:
		return http.StatusNotFound, code
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed, code
	case codeUnsupportedMedia:
		return http.StatusUnsupportedMediaType, code
	case incidentmap.ECONFLICT:
		return http.StatusConflict, code
	case codeUnavailable:
		return http.StatusServiceUnavailable, code
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge, code
	}
	if status, ok := statusOf(code); ok {
		return status, code
	}
	return http.StatusInternalServerError, incidentmap.EINTERNAL
}

// clientGone reports whether err is the cancellation of a request whose
// client went away: that is not an error of ours and is not logged as one.
func clientGone(c *gin.Context, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(c.Request.Context().Err(), context.Canceled)
}

// renderError is the one place where errors become responses. 4xx bodies
// carry the domain's client-safe message; 5xx bodies carry a fixed text,
// and the cause goes to the log with the request id. Once a response has
// begun it cannot be replaced, so the connection is aborted instead.
func (s *server) renderError(c *gin.Context, err error) {
	id := requestIDOf(c)
	if clientGone(c, err) {
		s.log.LogAttrs(c.Request.Context(), slog.LevelDebug, "client went away",
			slog.String("requestId", id), slog.String("error", err.Error()))
		c.AbortWithStatus(statusClientClosed)
		return
	}
	status, code := errorStatus(err)
	if status == http.StatusInternalServerError && !isDomainError(err) && s.ready.get(context.Background()) != nil {
		// A driver error while the database does not answer its
		// readiness check: the database is down, not our code broken.
		err = &limitError{status: http.StatusServiceUnavailable, limit: limitDatabase, retry: retryAfterDB,
			msg: "the database is unavailable; retry later", cause: err}
		status, code = errorStatus(err)
	}
	body := errorBody{Code: code, Description: incidentmap.ErrorMessage(err), Parameter: incidentmap.ErrorParam(err), RequestID: id}
	var le *limitError
	limited := errors.As(err, &le)
	s.metrics.refused(err)
	if limited {
		body.Description, body.Limit = le.msg, le.limit
		if le.retry > 0 {
			c.Header("Retry-After", retryAfter(le.retry))
		}
	}
	if status >= 500 {
		level := slog.LevelError
		if status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		s.log.LogAttrs(c.Request.Context(), level, "request failed",
			slog.String("requestId", id), slog.Int("status", status), slog.String("error", clipLog(err.Error())))
		body.Parameter = ""
		switch {
		case limited:
			// The messages of limits are fixed texts of ours.
		case incidentmap.ErrorCode(err) == codeUnavailable:
			// So are those of unavailable errors.
			c.Header("Retry-After", retryAfter(retryAfterDB))
		case errors.Is(err, context.DeadlineExceeded):
			body.Description, body.Limit = "the request took too long", limitDeadline
			s.metrics.refusals.WithLabelValues(limitDeadline).Inc()
			c.Header("Retry-After", retryAfter(retryAfterDB))
		default:
			body.Description = "internal error"
		}
	}
	if c.Writer.Written() {
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "error after the response began; aborting it",
			slog.String("requestId", id), slog.String("error", clipLog(err.Error())))
		panic(http.ErrAbortHandler)
	}
	writeJSON(c, status, body)
	c.Abort()
}

// isDomainError reports whether err carries an *incidentmap.Error: a
// failure the code meant, never a sign of a database that is down.
func isDomainError(err error) bool {
	var e *incidentmap.Error
	return errors.As(err, &e)
}

// statusClientClosed is the nginx convention for a request whose client
// closed the connection; it appears only in the access log.
const statusClientClosed = 499

// writeJSON writes v as an application/json response.
func writeJSON(c *gin.Context, status int, v any) {
	c.Data(status, mediaJSON, mustJSON(v))
}
