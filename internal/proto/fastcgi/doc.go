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
// Reading a response, as the proxy loop does it:
//
//	for each read into res.Buf[len(res.Buf):cap(res.Buf)]:
//	    res, err := hp.Parse(&head, buf)   // again while res.Stderr != nil: log it
//	    until res.Done
//	body.Init(head.Status, isHEAD, head.ContentLength)
//	pass body.Stdout(res.Body), then Decode res.Raw and later reads:
//	    TypeStdout with data: pass body.Stdout(f.Data)
//	    TypeStdout without data: body.StdoutClosed(); without keep-conn, done
//	    TypeStderr: log AppendStderrLog(f.Data)
//	    TypeEndRequest: body.EndRequest(); the connection may be kept
//	        (fastcgi_keep_conn) only if n == len(buf), nothing after it
//
// Errors carry nginx's error-log wording; the caller appends its own
// " while reading response header from upstream" context.
package fastcgi
