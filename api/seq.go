package api

import (
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// recordSeparator starts each text of an RFC 7464/8142 sequence.
const recordSeparator = 0x1E

// itemsSeq streams the page of src as an RFC 8142 GeoJSON text sequence.
func (s *server) itemsSeq(c *gin.Context, q url.Values, src *pageSource, props feature.Selection) error {
	if err := s.pageHeaders(c, q, src, mediaGeoJSONSeq); err != nil {
		return err
	}
	emit := func(st *stream, _ int, inc *incidentmap.Incident) error {
		buf := append(st.buf[:0], recordSeparator)
		buf = feature.AppendSelected(buf, inc, props)
		buf = append(buf, '\n')
		st.buf = buf
		_, err := st.w.Write(buf)
		return err
	}
	c.Header("Content-Type", mediaGeoJSONSeq)
	return s.streamPage(c, src, nil, emit, nil)
}
