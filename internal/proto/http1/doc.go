// Package http1 is the wire codec for HTTP/1.x towards upstream servers:
// it reads an upstream's response head and body framing, and writes the
// pieces of a request. It knows bytes only; balancing, retries, timeouts
// and configuration belong to the proxy loop that uses it.
//
// The parsers are ports of nginx's: ngx_http_parse_status_line and
// ngx_http_parse_header_line (as the proxy module calls it, with
// underscores allowed and IIS's repeated status lines skipped) for the
// head, the header handlers of ngx_http_upstream.c for Content-Length,
// Transfer-Encoding and Connection, ngx_http_proxy_input_filter_init for
// the choice of body framing, and ngx_http_parse_chunked for chunked
// bodies. Errors carry nginx's error-log wording, so the caller logs
// err.Error() followed by its own " while reading response header from
// upstream" context.
//
// Everything is parsed in place from a caller-owned buffer
// (proxy_buffer_size): header names and values are strings that alias
// the buffer, so a parsed response costs no allocation. They stay valid
// only as long as the caller does not overwrite those bytes; a caller
// that reuses the buffer for the body (as BodyReader does) must be done
// with the head, or have copied what it keeps, first.
package http1
