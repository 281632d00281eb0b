package httpd

// AppendLogEscaped and AppendJSONEscaped are the access log's escapings
// (log_format escape=default and escape=json), for the stream module's
// log, which nginx escapes alike (ngx_stream_log_escape,
// ngx_stream_log_json_variable).
func AppendLogEscaped(b []byte, s string) []byte { return appendLogEscaped(b, s) }

// AppendJSONEscaped: see AppendLogEscaped.
func AppendJSONEscaped(b []byte, s string) []byte { return appendJSONEscaped(b, s) }
