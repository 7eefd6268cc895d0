package api

import (
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// itemsCSV streams the page of src as CSV (see feature.CSVWriter), as the
// attachment incidents.csv.
func (s *server) itemsCSV(c *gin.Context, q url.Values, src *pageSource, props feature.Selection) error {
	if err := s.pageHeaders(c, q, src, "text/csv"); err != nil {
		return err
	}
	var cw *feature.CSVWriter
	head := func(st *stream) { cw = feature.NewCSVWriter(st.w, props) }
	emit := func(_ *stream, _ int, inc *incidentmap.Incident) error { return cw.Write(inc) }
	tail := func(*stream, page) error { return cw.Flush() }
	c.Header("Content-Type", mediaItemsCSV)
	c.Header("Content-Disposition", `attachment; filename="incidents.csv"`)
	return s.streamPage(c, src, head, emit, tail)
}
