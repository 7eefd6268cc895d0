package api

import (
	"bufio"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
)

// gzipMinBytes is the smallest body worth compressing: below about one
// packet, gzip's header and the CPU cost outweigh the saving.
const gzipMinBytes = 1400

// newGzip returns the gzip wrapper of compressed routes: klauspost's
// gzhttp, for bodies of at least gzipMinBytes of a compressible type (gzip
// only; streamed responses are compressed as they are flushed).
func newGzip() (func(http.Handler) http.HandlerFunc, error) {
	return gzhttp.NewWrapper(gzhttp.MinSize(gzipMinBytes), gzhttp.EnableZstd(false),
		gzhttp.ContentTypeFilter(compressible))
}

// compress runs the rest of the chain behind gzhttp. A handler that panics
// after its response began (an aborted response) must not end with a
// complete gzip stream, or a client would take a truncated document for a
// whole one: the trailer gzhttp writes as it unwinds is then dropped.
func (s *server) compress(c *gin.Context) {
	if c.Request.Method == http.MethodHead {
		addVary(c.Writer.Header(), "Accept-Encoding")
		c.Next()
		return
	}
	orig := c.Writer
	guard := &abortGuard{ResponseWriter: orig}
	s.gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw := &ginWriter{ResponseWriter: w, outer: orig}
		c.Writer = gw
		defer func() {
			if v := recover(); v != nil {
				guard.aborted = gw.Written()
				c.Writer = orig
				panic(v)
			}
		}()
		c.Next()
		gw.WriteHeaderNow() // a status without a body, such as 304
	})).ServeHTTP(guard, c.Request)
	c.Writer = orig
}

// abortGuard drops every write once the response it carries is aborted.
type abortGuard struct {
	http.ResponseWriter
	aborted bool
}

func (w *abortGuard) Write(p []byte) (int, error) {
	if w.aborted {
		return 0, http.ErrAbortHandler
	}
	return w.ResponseWriter.Write(p)
}

func (w *abortGuard) WriteHeader(code int) {
	if !w.aborted {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *abortGuard) Flush() {
	if !w.aborted {
		w.ResponseWriter.(http.Flusher).Flush()
	}
}

// ginWriter is the gin.ResponseWriter over gzhttp's writer. Like gin's
// own, it holds the status until the body (or WriteHeaderNow) commits it;
// hijacking and pushing go to the connection's writer underneath.
type ginWriter struct {
	http.ResponseWriter
	outer     gin.ResponseWriter
	status    int
	size      int
	committed bool
}

var _ gin.ResponseWriter = (*ginWriter)(nil)

func (w *ginWriter) WriteHeader(code int) {
	if code > 0 && !w.committed {
		w.status = code
	}
}

func (w *ginWriter) WriteHeaderNow() {
	if !w.committed {
		w.committed = true
		w.ResponseWriter.WriteHeader(w.Status())
	}
}

func (w *ginWriter) Write(p []byte) (int, error) {
	w.WriteHeaderNow()
	n, err := w.ResponseWriter.Write(p)
	w.size += n
	return n, err
}

func (w *ginWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

func (w *ginWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Size is the uncompressed size of the body, -1 before it begins.
func (w *ginWriter) Size() int {
	if !w.committed {
		return -1
	}
	return w.size
}

func (w *ginWriter) Written() bool { return w.committed }

func (w *ginWriter) Flush() {
	w.WriteHeaderNow()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *ginWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.outer.Hijack() }

func (w *ginWriter) CloseNotify() <-chan bool { return w.outer.CloseNotify() }

func (w *ginWriter) Pusher() http.Pusher { return w.outer.Pusher() }
