// Package cgi parses the CGI-style response head that FastCGI, SCGI and
// uwsgi applications send: header lines without a status line, the
// status taken from a "Status:" header. It is shared by the fastcgi,
// scgi and uwsgi codecs and knows bytes only.
//
// Parser ports the header part of ngx_http_fastcgi_process_header (and
// of ngx_http_scgi_process_header and ngx_http_uwsgi_process_header,
// which are the same): ngx_http_parse_header_line with underscores
// allowed and IIS's repeated "HTTP/..." lines skipped, the upstream
// header handlers that matter to the framing (Content-Length,
// Transfer-Encoding, Connection, and the first Status and Location),
// and, once the head is complete, nginx's choice of status:
//
//   - a "Status:" header gives the status from its first three bytes,
//     which must be digits ("upstream sent invalid status \"...\""
//     otherwise); its whole value is the status line ("404 Not Found",
//     and "404" alone too, as nginx 1.22 sends it on);
//   - else a "Location:" header (any value) gives "302 Moved
//     Temporarily";
//   - else "200 OK".
//
// The Status header stays in Headers, as in nginx's headers_in: nginx
// hides it through the module's default hide list (fastcgi_hide_header
// and friends, see HideHeaders), which is the caller's business.
//
// ResponseParser is the SCGI and uwsgi head: an HTTP status line if the
// response starts with one (parsed by http1.ParseHead, as
// ngx_http_scgi_process_status_line calls ngx_http_parse_status_line),
// else a CGI-style head parsed from the first byte.
//
// Names and values are strings that alias the caller's buffer, so a
// parse costs no allocation.
package cgi
