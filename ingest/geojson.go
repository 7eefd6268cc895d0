package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// MaxFeatureBytes caps one feature of a GeoJSON import (and any other
// member of the collection): a larger one is not an incident, and reading
// it would hold it all in memory.
const MaxFeatureBytes = 1 << 20

// errFeatureTooLarge stops the import at a feature far larger than an
// incident.
var errFeatureTooLarge = fmt.Errorf("a feature is larger than %d bytes", MaxFeatureBytes)

// Jobs of the decoding workers: at most geoJobFeatures features or about
// geoJobBytes of input each, and geoJobsAhead jobs beyond the workers' in
// flight, so that memory holds a few megabytes of input whatever its size.
const (
	geoJobFeatures = 128
	geoJobBytes    = 1 << 20
	geoJobsAhead   = 4
)

// geoJob is a run of consecutive features, as raw JSON, and what the
// workers made of them.
type geoJob struct {
	first int      // number of the first feature, from 1
	lines []int    // line of each feature
	raws  [][]byte // each feature's bytes, in buf
	buf   []byte
	// end, when set, is what follows the features: io.EOF or the error
	// that stopped reading the input.
	end  error
	recs []record
	// fatal, when set, follows recs: a feature that is not JSON.
	fatal error
	done  chan struct{} // closed when recs are made
}

// geoJSONReader streams the features of a FeatureCollection. One
// goroutine splits the input into features with a small string-aware
// scanner (geoScanner), without decoding them; GOMAXPROCS workers decode,
// complete and validate them; next hands the records over in input order.
// Memory holds the jobs in flight, never the file.
type geoJSONReader struct {
	opt   Options
	order chan *geoJob // the jobs in input order
	// free holds the buffers of decoded jobs for the next jobs: reused,
	// they halved the bytes an import allocates, and so its collections.
	free chan []byte
	stop chan struct{}
	once sync.Once
	cur  *geoJob
	pos  int
	done bool
}

func newGeoJSONReader(r io.Reader, opt Options) *geoJSONReader {
	workers := runtime.GOMAXPROCS(0)
	g := &geoJSONReader{opt: opt, order: make(chan *geoJob, workers+geoJobsAhead), stop: make(chan struct{}),
		free: make(chan []byte, 2*workers+geoJobsAhead)}
	work := make(chan *geoJob, workers)
	go g.split(&geoScanner{r: r}, work)
	for range workers {
		go func() {
			dec := feature.NewDecoder() // one per worker: its scratch space and shared values
			for j := range work {
				g.decode(j, dec)
			}
		}()
	}
	return g
}

// close stops the goroutines of an import that ends early; it may be
// called more than once.
func (g *geoJSONReader) close() { g.once.Do(func() { close(g.stop) }) }

func (g *geoJSONReader) next() (record, error) {
	for !g.done {
		if g.cur != nil && g.pos < len(g.cur.recs) {
			g.pos++
			return g.cur.recs[g.pos-1], nil
		}
		if g.cur != nil && (g.cur.fatal != nil || g.cur.end != nil) {
			g.done = true
			if g.cur.fatal != nil {
				return record{}, g.cur.fatal
			}
			return record{}, g.cur.end
		}
		j, ok := <-g.order
		if !ok {
			break
		}
		<-j.done
		g.cur, g.pos = j, 0
	}
	g.done = true
	return record{}, io.EOF
}

// decode makes the records of a job with dec, stopping at a feature that
// is not JSON.
func (g *geoJSONReader) decode(j *geoJob, dec *feature.Decoder) {
	defer close(j.done)
	j.recs = make([]record, 0, len(j.raws))
	for i, raw := range j.raws {
		rec, fatal := g.opt.geoRecord(dec, raw, j.first+i, j.lines[i])
		if fatal != nil {
			j.fatal = fatal
			return
		}
		j.recs = append(j.recs, rec)
	}
	// The records hold copies of what they took from the features.
	select {
	case g.free <- j.buf[:0]:
	default:
	}
	j.raws, j.buf = nil, nil
}

// geoRecord decodes feature n with dec, completes and validates it.
func (o Options) geoRecord(dec *feature.Decoder, raw []byte, n, line int) (rec record, fatal error) {
	inc, hasPoint, id, err := dec.Parse(raw)
	var domainErr *incidentmap.Error
	if err != nil && !errors.As(err, &domainErr) {
		return record{}, invalid(line, fmt.Sprintf("feature %d: malformed JSON", n))
	}
	rec = record{line: line}
	if err == nil {
		rec.notes, err = o.completeIncident(inc, hasPoint)
	}
	if err == nil {
		err = inc.Validate()
	}
	if rec.err = err; err == nil {
		rec.inc = inc
	} else {
		rec.err = prefixFeature(rec.err, n, id)
	}
	return rec, nil
}

// split reads the collection and sends its features to the workers in
// jobs, and every job to next in order; the last job ends the input.
func (g *geoJSONReader) split(s *geoScanner, work chan<- *geoJob) {
	defer close(work)
	defer close(g.order)
	j := &geoJob{first: 1, done: make(chan struct{})}
	var buf []byte
	send := func(end error) bool {
		j.end = end
		next := j.first + len(j.raws) // before a worker has the job
		if len(j.raws) > 0 {
			select {
			case work <- j:
			case <-g.stop:
				return false
			}
		} else {
			close(j.done)
		}
		select {
		case g.order <- j:
		case <-g.stop:
			return false
		}
		j, buf = &geoJob{first: next, done: make(chan struct{})}, nil
		return true
	}
	feat := func(raw []byte, line int) bool {
		if len(buf)+len(raw) > cap(buf) { // the job is full: a new one
			if len(j.raws) > 0 && !send(nil) {
				return false
			}
			buf = g.buffer(len(raw))
			j.buf = buf
		}
		if j.raws == nil {
			j.raws, j.lines = make([][]byte, 0, geoJobFeatures), make([]int, 0, geoJobFeatures)
		}
		start := len(buf)
		buf = append(buf, raw...)
		j.raws = append(j.raws, buf[start:len(buf):len(buf)])
		j.lines = append(j.lines, line)
		if len(j.raws) == geoJobFeatures {
			return send(nil)
		}
		return true
	}
	if end := s.collection(feat); !errors.Is(end, errStopped) {
		send(end)
	}
}

// buffer returns an empty buffer for a job whose first feature is n
// bytes long: a free one when it holds the feature, else a new one with
// room for a job of features like it, within geoJobBytes.
func (g *geoJSONReader) buffer(n int) []byte {
	select {
	case buf := <-g.free:
		if cap(buf) >= n {
			return buf
		}
	default:
	}
	return make([]byte, 0, max(min(geoJobBytes, geoJobFeatures*n), n))
}

// errStopped ends the reading of an import that stopped early.
var errStopped = errors.New("stopped")

// geoScanner splits a FeatureCollection into raw features without
// decoding them: it only follows strings and brackets, so that the
// workers can decode in parallel.
type geoScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int   // unread input is buf[pos:end]
	line     int   // newlines before pos
	err      error // of the last read
}

// stringEnd marks the bytes that end a run of plain bytes in a JSON
// string, and structural those that the scanner follows outside strings.
// Tables instead of bytes.IndexByte: the strings of a feature are short,
// and two calls per string cost more than they saved (BenchmarkSplitGeoJSON).
var stringEnd, structural = func() (end, st [256]bool) {
	end['"'], end['\\'] = true, true
	for _, c := range []byte(`"{}[]`) {
		st[c] = true
	}
	return end, st
}()

// fill reads more input, keeping buf[keep:end] (keep ≤ pos); false means
// there is no more (s.err says why).
func (s *geoScanner) fill(keep int) bool {
	if s.err != nil {
		return false
	}
	if keep > 0 {
		s.end = copy(s.buf, s.buf[keep:s.end])
		s.pos -= keep
	}
	if s.end == len(s.buf) {
		s.buf = append(s.buf, make([]byte, max(256<<10, len(s.buf)))...)
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.err = err
		}
		if n > 0 || err != nil {
			return n > 0
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// peek skips white space and returns the next byte; false at the end of
// the input.
func (s *geoScanner) peek() (byte, bool) {
	for {
		for ; s.pos < s.end; s.pos++ {
			switch c := s.buf[s.pos]; c {
			case '\n':
				s.line++
			case ' ', '\t', '\r':
			default:
				return c, true
			}
		}
		if !s.fill(s.pos) {
			return 0, false
		}
	}
}

// value returns the raw JSON value at pos (after peek), at most
// MaxFeatureBytes long, and moves past it. It follows strings and
// brackets only: whether the value is valid JSON is for its decoder to
// say. The slice is valid until the next call.
func (s *geoScanner) value() ([]byte, error) {
	i := s.pos
	c0 := s.buf[i]
	scalar := c0 != '{' && c0 != '[' && c0 != '"'
	if c0 == ',' || c0 == ':' || c0 == ']' || c0 == '}' {
		i++ // not a value: the decoder will say so
		goto found
	}
	{
		depth, inString := 0, false
		for {
			for i < s.end {
				if inString { // to the closing quote, past escapes
					for i < s.end && !stringEnd[s.buf[i]] {
						i++
					}
					switch {
					case i == s.end:
					case s.buf[i] == '\\':
						i += 2 // past the backslash and what it escapes
					default:
						i++
						if inString = false; depth == 0 {
							goto found
						}
					}
					continue
				}
				if !scalar { // to the next quote or bracket
					for i < s.end && !structural[s.buf[i]] {
						i++
					}
					if i == s.end {
						break
					}
				}
				c := s.buf[i]
				i++
				switch {
				case scalar:
					if c == ',' || c == ']' || c == '}' || c == ' ' || c == '\n' || c == '\t' || c == '\r' {
						i--
						goto found
					}
				case c == '"':
					inString = true
				case c == '{' || c == '[':
					depth++
				case c == '}' || c == ']':
					if depth--; depth == 0 {
						goto found
					}
				}
			}
			if i-s.pos > MaxFeatureBytes {
				return nil, errFeatureTooLarge
			}
			off := i - s.pos
			if !s.fill(s.pos) {
				if scalar && errors.Is(s.err, io.EOF) {
					i = s.pos + off
					goto found
				}
				if errors.Is(s.err, io.EOF) {
					s.err = io.ErrUnexpectedEOF
				}
				return nil, s.err
			}
			i = s.pos + off
		}
	}
found:
	if i-s.pos > MaxFeatureBytes {
		return nil, errFeatureTooLarge
	}
	raw := s.buf[s.pos:i]
	s.pos = i
	s.line += bytes.Count(raw, []byte{'\n'})
	return raw, nil
}

// collection reads a FeatureCollection, passing each feature's raw bytes
// and line to feat, which returns false to stop. It returns io.EOF at the
// end of a well-formed collection and otherwise the error that stopped it:
// an EINVALID error naming the line, or the input's read error.
func (s *geoScanner) collection(feat func(raw []byte, line int) bool) error {
	if c, ok := s.peek(); !ok || c != '{' {
		return s.fail(`the file must be a GeoJSON FeatureCollection object`)
	}
	s.pos++
	sawType, sawArray := false, false
	for first := true; ; first = false {
		c, ok := s.peek()
		if ok && c == '}' {
			s.pos++
			break
		}
		if !first {
			if !ok || c != ',' {
				return s.fail("malformed JSON")
			}
			s.pos++
			c, ok = s.peek()
		}
		if !ok || c != '"' {
			return s.fail("malformed JSON")
		}
		var key string
		if raw, err := s.value(); err != nil || json.Unmarshal(raw, &key) != nil {
			return s.failRead(err, "malformed JSON")
		}
		if c, ok := s.peek(); !ok || c != ':' {
			return s.fail("malformed JSON")
		}
		s.pos++
		if _, ok := s.peek(); !ok {
			return s.fail("malformed JSON")
		}
		switch key {
		case "features":
			if sawArray {
				return s.fail(`"features" appears twice`)
			}
			if s.buf[s.pos] != '[' {
				return s.fail(`"features" must be an array`)
			}
			s.pos++
			sawArray = true
			if err := s.features(feat); err != nil {
				return err
			}
		case "type":
			raw, err := s.value()
			var typ string
			if err != nil || json.Unmarshal(raw, &typ) != nil || typ != "FeatureCollection" {
				return s.failRead(err, `"type" must be "FeatureCollection"`)
			}
			sawType = true
		default: // foreign members, bbox, name, crs…
			if raw, err := s.value(); err != nil || !json.Valid(raw) {
				return s.failRead(err, "malformed JSON")
			}
		}
	}
	if _, ok := s.peek(); ok {
		return s.fail("unexpected data after the FeatureCollection")
	} else if !errors.Is(s.err, io.EOF) {
		return s.err
	}
	if !sawType || !sawArray {
		return s.fail(`a FeatureCollection needs "type" and "features"`)
	}
	return io.EOF
}

// features reads the features array after its '['.
func (s *geoScanner) features(feat func(raw []byte, line int) bool) error {
	for n := 1; ; n++ {
		c, ok := s.peek()
		if ok && c == ']' && n == 1 {
			s.pos++
			return nil
		}
		if n > 1 {
			if ok && c == ']' {
				s.pos++
				return nil
			}
			if !ok || c != ',' {
				return s.failRead(nil, fmt.Sprintf("malformed JSON after feature %d", n-1))
			}
			s.pos++
			c, ok = s.peek()
		}
		if !ok {
			return s.failRead(nil, "malformed JSON: the input ends inside the features array")
		}
		line := 1 + s.line
		raw, err := s.value()
		switch {
		case errors.Is(err, errFeatureTooLarge):
			return invalid(line, fmt.Sprintf("feature %d: %v; nothing after it was read", n, err))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return invalid(line, fmt.Sprintf("feature %d: malformed JSON: the input ends inside it", n))
		case err != nil:
			return err
		}
		if !feat(raw, line) {
			return errStopped
		}
	}
}

// fail returns an EINVALID error at the current line, or the read error
// that ended the input early.
func (s *geoScanner) fail(msg string) error { return s.failRead(nil, msg) }

func (s *geoScanner) failRead(err error, msg string) error {
	if err == nil && s.err != nil && !errors.Is(s.err, io.EOF) {
		err = s.err
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, errFeatureTooLarge) {
		return err // the input could not be read
	}
	if errors.Is(err, errFeatureTooLarge) {
		msg = "a member is larger than " + fmt.Sprint(MaxFeatureBytes) + " bytes"
	}
	return invalid(1+s.line, msg)
}

// prefixFeature puts "feature N (id X): " before a record's error.
func prefixFeature(err error, n int, id string) error {
	where := fmt.Sprintf("feature %d", n)
	if id != "" {
		where += " (id " + clip(id) + ")"
	}
	return &incidentmap.Error{Code: incidentmap.ErrorCode(err), Param: incidentmap.ErrorParam(err),
		Message: where + ": " + incidentmap.ErrorMessage(err)}
}
