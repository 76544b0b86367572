package api

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// compressed compresses answers of 1 KiB or more for clients that accept gzip
// (or zstd): a 100,000-task list goes from some 12 MB to under 2 MB. Small
// answers, the worker's many schedule and update calls, stay as they are:
// compressing them would cost more time than it saves. It uses
// klauspost/compress's gzhttp rather than chi's middleware.Compress for its
// minimum size and its faster compressor, and because it reads q-values in
// Accept-Encoding and sets Vary. The fastest level is chosen: JSON lists
// compress almost as well with it, at several times the speed.
var compressed = func() func(http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(gzip.BestSpeed))
	if err != nil {
		panic(err) // only fixed, valid options above
	}
	return func(h http.Handler) http.Handler { return wrap(h) }
}()

// etagMatches reports whether an If-None-Match header names etag, comparing
// weakly as RFC 9110 (13.1.2) asks for If-None-Match: W/"x" matches "x".
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}
