package fastcgi

// TrimStderr returns the part of a piece of STDERR content that nginx
// logs: without trailing LF, CR, '.' and ' ' bytes, but always keeping
// the first byte (ngx_http_fastcgi_process_header trims backwards and
// stops at the start). fastcgi_catch_stderr patterns are searched in
// this trimmed text. An empty piece stays empty.
func TrimStderr(p []byte) []byte {
	if len(p) == 0 {
		return p
	}
	i := len(p) - 1
	for ; i > 0; i-- {
		if c := p[i]; c != '\n' && c != '\r' && c != '.' && c != ' ' {
			break
		}
	}
	return p[:i+1]
}

// AppendStderrLog appends nginx's error-log message for a piece of
// STDERR content, `FastCGI sent in stderr: "..."`, with the content
// trimmed as TrimStderr does. nginx logs it at the error level, once per
// piece it reads, followed by the usual context (" while reading
// response header from upstream" or "... upstream").
func AppendStderrLog(dst, p []byte) []byte {
	dst = append(dst, `FastCGI sent in stderr: "`...)
	dst = append(dst, TrimStderr(p)...)
	return append(dst, '"')
}
