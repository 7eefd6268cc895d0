package region

import (
	"bytes"
	"compress/gzip"
	_ "embed" // for the boundary data
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/paulmach/orb"
)

// Levels of Region.Level.
const (
	LevelCountry  = 0 // a country: Code is ISO 3166-1 alpha-3
	LevelProvince = 1 // a first-level subdivision: Code is ISO 3166-2
)

// Region is one country or province with its boundary.
type Region struct {
	// Level is LevelCountry or LevelProvince.
	Level int
	// Code is the ISO 3166-1 alpha-3 code of a country ("AFG") or the ISO
	// 3166-2 code of a province ("AF-HER").
	Code string
	// Name is the English name ("Herat").
	Name string
	// Country is the ISO 3166-1 alpha-3 code of the country the region
	// belongs to; a country's is its own Code.
	Country string
	// GeoNamesID is Natural Earth's gn_id of a province, the GeoNames id
	// to join the gazetteer on; 0 where there is none and for countries.
	GeoNamesID int
	// Geometry is the simplified boundary, longitude first, WGS 84.
	// Regions crossing the antimeridian are split at ±180.
	Geometry orb.MultiPolygon
	// Bound is the bounding box of Geometry.
	Bound orb.Bound
}

// embedded is the region file written by ./gen; it is never modified.
//
//go:embed data/regions.bin.gz
var embedded []byte

// magic opens every region file; the byte after it is the format version.
const magic = "IMRG"

// scale is the number of stored coordinate units per degree.
const scale = 1e5

// maxSmall bounds the levels and GeoNames ids in a region file.
const maxSmall = 1 << 31

// Load decodes the embedded boundaries and indexes them. Each call decodes
// anew (tens of milliseconds); call it once at start-up and share the Index.
func Load() (*Index, error) {
	regions, err := Decode(bytes.NewReader(embedded))
	if err != nil {
		return nil, err
	}
	return NewIndex(regions), nil
}

// Decode reads regions in the format written by ./gen, described in the
// package documentation. Closing points of rings are restored and Bound is
// set.
func Decode(r io.Reader) ([]*Region, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("region: decode: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("region: decode: %w", err)
	}
	d := decoder{buf: data}
	if !bytes.HasPrefix(data, []byte(magic)) || len(data) < len(magic)+1 {
		return nil, errors.New("region: decode: not a region file")
	}
	if v := data[len(magic)]; v != 1 {
		return nil, fmt.Errorf("region: decode: unsupported version %d", v)
	}
	d.buf = data[len(magic)+1:]
	n := d.count()
	regions := make([]*Region, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		reg := &Region{
			Level:      d.small(),
			Code:       d.str(),
			Name:       d.str(),
			Country:    d.str(),
			GeoNamesID: d.small(),
		}
		var lon, lat int64
		mp := make(orb.MultiPolygon, d.count())
		for pi := range mp {
			if d.err != nil {
				break
			}
			poly := make(orb.Polygon, d.count())
			for ri := range poly {
				np := d.count()
				if d.err != nil {
					break
				}
				ring := make(orb.Ring, np, np+1)
				for k := range ring {
					lon += d.varint()
					lat += d.varint()
					ring[k] = orb.Point{float64(lon) / scale, float64(lat) / scale}
				}
				if np > 0 {
					ring = append(ring, ring[0])
				}
				poly[ri] = ring
			}
			mp[pi] = poly
		}
		reg.Geometry = mp
		reg.Bound = mp.Bound()
		regions = append(regions, reg)
	}
	if d.err != nil {
		return nil, fmt.Errorf("region: decode: %w", d.err)
	}
	if len(d.buf) != 0 {
		return nil, errors.New("region: decode: trailing data")
	}
	return regions, nil
}

// decoder reads varints from buf, remembering the first error.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = io.ErrUnexpectedEOF
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.err = io.ErrUnexpectedEOF
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// count reads the number of items that follow; as every item takes at
// least one byte, it cannot exceed the bytes left, so a corrupt file cannot
// make Decode allocate without limit.
func (d *decoder) count() int {
	v := d.uvarint()
	if v > uint64(len(d.buf)) {
		if d.err == nil {
			d.err = io.ErrUnexpectedEOF
		}
		return 0
	}
	return int(v)
}

// small reads a uvarint that must be below maxSmall.
func (d *decoder) small() int {
	v := d.uvarint()
	if v >= maxSmall {
		if d.err == nil {
			d.err = fmt.Errorf("value %d out of range", v)
		}
		return 0
	}
	return int(v)
}

func (d *decoder) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}
