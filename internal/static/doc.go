// Package static serves files that the request pipeline has already
// resolved to a path, as nginx's ngx_http_static_module does together
// with the filters that shape such a response: not-modified (ETag,
// If-Modified-Since, If-None-Match, If-Match, If-Unmodified-Since), range
// (Range, If-Range, multipart/byteranges, max_ranges) and autoindex.
//
// The pipeline (root/alias, index, try_files, error_page, internal
// redirects) is not here. It calls Open with the mapped path, redirects
// when Open reports a directory, logs Open's error when
// OpenError.Logged says nginx would, and otherwise calls ServeFile with
// the resolved Content-Type. Autoindex answers a URI ending in "/".
//
// Every behaviour was checked against nginx 1.22.1 on loopback; the
// differential tests in this package start the real nginx, when it is
// installed, and compare its answers with this package's, byte for byte.
package static
