package httpd

import (
	"io"
	"net"
	"time"

	"weir/internal/proto/http1"
)

// copyChunked sends a chunked request body that is not buffered
// (proxy_request_buffering off over HTTP/1.1) as nginx 1.22 passes it
// on: each part its reading gives (httpcore.Request.ReadBodyPart with
// client_body_buffer_size: what came with the header or the socket gave
// at once, up to a full buffer) is one chunk, as
// ngx_http_proxy_body_output_filter frames the buffers of each call, and
// the last chunk goes with the body's end. It reports the bytes written,
// the error of the connection and, apart, the error of the client's body.
func (q *request) copyChunked(c net.Conn, timeout time.Duration) (total int64, err, srcErr error) {
	var part, out []byte
	for {
		var rerr error
		part, rerr = q.r.ReadBodyPart(part[:0], q.lc.ClientBodyBufSize.V)
		if rerr != nil && rerr != io.EOF {
			return total, nil, rerr
		}
		out = out[:0]
		if len(part) > 0 {
			out = http1.AppendChunk(out, part)
		}
		if rerr == io.EOF {
			out = http1.AppendLastChunk(out)
		}
		if len(out) > 0 {
			if timeout > 0 {
				c.SetWriteDeadline(time.Now().Add(timeout))
			}
			n, err := c.Write(out)
			total += int64(n)
			if err != nil {
				return total, err, nil
			}
		}
		if rerr == io.EOF {
			return total, nil, nil
		}
	}
}
