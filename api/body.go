package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// requireJSON refuses, with 415, a request body that is not declared as
// JSON (application/json or a +json type, any charset parameter being
// utf-8).
func requireJSON(c *gin.Context) error {
	ct := c.GetHeader("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	ok := err == nil && (mt == mediaJSON || (len(mt) > 5 && mt[len(mt)-5:] == "+json"))
	if cs, has := params["charset"]; ok && has && cs != "utf-8" && cs != "UTF-8" {
		ok = false
	}
	if !ok {
		return &incidentmap.Error{Code: codeUnsupportedMedia,
			Message: "Content-Type must be application/json (UTF-8), got " + quoteClip(ct)}
	}
	return nil
}

// decodeJSONBody reads the whole request body (within the body limit) as
// exactly one JSON value into v: unknown members, trailing data after the
// value and text that is not valid UTF-8 are 400s naming "body" with
// shape saying what was expected; a body over the limit is a 413.
func (s *server) decodeJSONBody(c *gin.Context, v any, shape string) error {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return bodyError(err)
	}
	if !utf8.Valid(b) {
		return incidentmap.Invalidf("body", "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return incidentmap.Invalidf("body", "%s", shape)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return incidentmap.Invalidf("body", "has data after the JSON value; send exactly one JSON object")
	}
	return nil
}

// quoteClip quotes a client-supplied value for a message, clipped.
func quoteClip(s string) string {
	if s == "" {
		return "nothing"
	}
	b, _ := json.Marshal(clip(s))
	return string(b)
}
