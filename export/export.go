// Package export writes the incidents a filter selects out of a store as
// files for GIS tools and researchers: a GeoJSON FeatureCollection, GeoJSON
// text sequences (RFC 8142), CSV, and GeoPackage (OGC 12-128r18, one point
// layer, written with modernc.org/sqlite). Incidents are read page by page
// and written as they come, so memory does not grow with the data. The
// fields of every format are described in docs/codebook.md.
package export

import (
	"bufio"
	"context"
	"io"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// Format names an export format.
type Format string

// Export formats.
const (
	FormatGeoJSON    Format = "geojson" // one FeatureCollection
	FormatJSONSeq    Format = "jsonseq" // GeoJSON text sequences: RS, a Feature, LF, per incident
	FormatCSV        Format = "csv"     // RFC 4180, the columns of feature.CSVColumns
	FormatGeoPackage Format = "gpkg"    // a GeoPackage file with the layer "incidents"
)

// Formats lists the export formats.
var Formats = []Format{FormatGeoJSON, FormatJSONSeq, FormatCSV, FormatGeoPackage}

// Each calls fn for every incident f selects, in f's order, reading the
// store one page of incidentmap.MaxLimit at a time. f.After, f.Before and
// f.Limit are ignored.
func Each(ctx context.Context, s incidentmap.Store, f incidentmap.Filter, fn func(*incidentmap.Incident) error) error {
	f.After, f.Before, f.Limit = nil, nil, incidentmap.MaxLimit
	for {
		next, err := s.FindIncidents(ctx, f, fn)
		if err != nil || next == nil {
			return err
		}
		f.After = next
	}
}

// Write writes the incidents f selects to w as GeoJSON, GeoJSON text
// sequences or CSV, and returns how many it wrote. GeoPackage needs a file:
// see WriteGeoPackage.
func Write(ctx context.Context, s incidentmap.Store, f incidentmap.Filter, format Format, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	var buf []byte
	var err error
	switch format {
	case FormatGeoJSON:
		bw.WriteString(`{"type":"FeatureCollection","features":[`)
		err = Each(ctx, s, f, func(inc *incidentmap.Incident) error {
			if n > 0 {
				bw.WriteByte(',')
			}
			bw.WriteByte('\n')
			buf = feature.Append(buf[:0], inc)
			n++
			_, err := bw.Write(buf)
			return err
		})
		bw.WriteString("\n]}\n")
	case FormatJSONSeq:
		err = Each(ctx, s, f, func(inc *incidentmap.Incident) error {
			buf = append(feature.Append(append(buf[:0], 0x1e), inc), '\n')
			n++
			_, err := bw.Write(buf)
			return err
		})
	case FormatCSV:
		cw := feature.NewCSVWriter(bw, feature.AllProperties)
		err = Each(ctx, s, f, func(inc *incidentmap.Incident) error {
			n++
			return cw.Write(inc)
		})
		if err == nil {
			err = cw.Flush()
		}
	default:
		return 0, incidentmap.Invalidf("format", "must be one of %v, got %q", Formats, format)
	}
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}
