package difftest

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
)

// decodedBody is a response body as compared: a gzip-encoded body is
// shown decompressed, since weir's deflate need not produce nginx's
// bytes, with a line that says whether it was a valid gzip stream.
func decodedBody(r *response) []byte {
	gz := false
	for _, h := range r.header {
		if strings.EqualFold(h[0], "Content-Encoding") && strings.EqualFold(h[1], "gzip") {
			gz = true
		}
	}
	if !gz || len(r.body) == 0 {
		return r.body
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		return append([]byte("[not gzip: "+err.Error()+"]\n"), r.body...)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return append(out, "\n[broken gzip: "+err.Error()+"]"...)
	}
	return append([]byte("[gzip]\n"), out...)
}
