// Package fastcgi is the wire codec of nginx's ngx_http_fastcgi_module:
// it writes the records of a request (BEGIN_REQUEST, PARAMS, STDIN) and
// decodes the records of a response (STDOUT, STDERR, END_REQUEST). It
// knows bytes only: which params to send, fastcgi_catch_stderr,
// keepalive pools and retries belong to the caller.
//
// A request is written as nginx writes it, with request id 1
// (RequestID): a BEGIN_REQUEST record (role responder, the keep-conn flag
// for fastcgi_keep_conn), all params in one PARAMS record padded to a
// multiple of 8 (nginx refuses more than 65535 bytes of params with
// "fastcgi request record is too big: N"), an empty PARAMS record, the
// body in STDIN records of at most 32 KiB each, padded to 8, and an empty
// STDIN record.
//
// A response is read with a Decoder (ngx_http_fastcgi_process_record and
// the record loops of ngx_http_fastcgi_input_filter) and, for the head,
// with a HeadParser (ngx_http_fastcgi_process_header), which gathers
// the STDOUT content in place at the front of the caller's buffer and
// parses it as a CGI head (package cgi) into an http1.ResponseHead.
//
// Errors carry nginx's error-log wording; the caller appends its own
// " while reading response header from upstream" context.
package fastcgi
