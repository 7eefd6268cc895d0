// Package region owns the embedded country and province boundaries and
// reverse geocoding over them: which country (ISO 3166-1 alpha-3) and which
// province (ISO 3166-2 code and English name) contain a point.
//
// Boundaries from Natural Earth (public domain), simplified to 0.005°
// (about 560 m) with Douglas–Peucker and rounded to 5 decimals (about 1 m)
// by ./gen, which also documents how Natural Earth's codes are mapped onto
// ISO: 240 countries and 4,314 provinces. Natural Earth's own placeholder
// codes are dropped, so Kosovo, Hong Kong, Northern Cyprus and Somaliland,
// among others, have a country but no province.
//
// # Accuracy
//
// The tolerance was chosen by measuring, on 20,000 GeoNames cities (every
// tenth of cities500), file size, how often the located country matches the
// city's GeoNames country, and how often the located province matches the
// one found in the unsimplified Natural Earth boundaries:
//
//	tolerance  file     points   country  province
//	full       47 MB    1.80 M   99.18%   100%
//	0.005°     3.4 MB   823 k    99.15%   99.80%
//	0.01°      2.4 MB   555 k    99.16%   99.55%
//	0.02°      1.6 MB   347 k    99.13%   99.04%
//
// 0.005° halves the province errors of 0.01° for 1 MB more and locates as
// fast. Most country disagreements are border towns and Crimea, which
// Natural Earth puts in Russia and GeoNames in Ukraine.
//
// Coastal places that Natural Earth's coastline (or simplification) leaves
// just offshore are snapped: a point in no country and no province but
// within 5 km of a province is put in the nearest one, and its country
// taken from the province.
//
// # File format
//
// data/regions.bin.gz is written by ./gen and read by Decode:
//
//	gzip(
//	  "IMRG" version=1:byte count:uvarint
//	  count × { level:uvarint code:str name:str country:str geonamesID:uvarint
//	            polygons:uvarint × { rings:uvarint × { points:uvarint
//	              points × { dlon:varint dlat:varint } } } }
//	)
//
// where str is a uvarint length and UTF-8 bytes, rings are stored without
// their closing point, and coordinates are integers in units of 1e-5
// degrees, each the difference from the previous point of the same region
// (the first from 0, 0). Regions are ordered by level, then code.
package region
