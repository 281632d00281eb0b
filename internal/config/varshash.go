package config

import (
	"slices"

	"weir/internal/vars"
)

// hashedVariables are the names nginx 1.22 (as Debian builds it, without
// dynamic modules) puts in variables_hash before the configuration adds
// its own: every variable its modules define, less the prefixed families
// ($http_*, $arg_*, ...) and those flagged NGX_HTTP_VAR_NOHASH
// ($proxy_host, $proxy_port, $proxy_add_x_forwarded_for, $proxy_internal_*,
// $fastcgi_script_name, $fastcgi_path_info, $grpc_internal_trailers). The
// list was taken from the nginx binary (the names a map may not redefine,
// and the changeable ones: $args, $limit_rate, $ssl_*, the browser
// module's, $invalid_referer, $uid_reset) and checked against the table
// sizes nginx settles on with several bucket sizes.
var hashedVariables = []string{
	"ancient_browser", "args", "binary_remote_addr", "body_bytes_sent", "bytes_sent", "connection",
	"connection_requests", "connection_time", "connections_active", "connections_reading",
	"connections_waiting", "connections_writing", "content_length", "content_type", "date_gmt",
	"date_local", "document_root", "document_uri", "gzip_ratio", "host", "hostname", "http2",
	"http_cookie", "http_host", "http_referer", "http_user_agent", "http_via", "http_x_forwarded_for",
	"https", "invalid_referer", "is_args", "limit_conn_status", "limit_rate", "limit_req_status",
	"modern_browser", "msec", "msie", "nginx_version", "pid", "pipe", "proxy_protocol_addr", "proxy_protocol_port", "proxy_protocol_server_addr",
	"proxy_protocol_server_port", "query_string", "realip_remote_addr", "realip_remote_port",
	"realpath_root", "remote_addr", "remote_port", "remote_user", "request", "request_body",
	"request_body_file", "request_completion", "request_filename", "request_id", "request_length",
	"request_method", "request_time", "request_uri", "scheme", "secure_link", "secure_link_expires",
	"sent_http_cache_control", "sent_http_connection", "sent_http_content_length",
	"sent_http_content_type", "sent_http_keep_alive", "sent_http_last_modified", "sent_http_link",
	"sent_http_location", "sent_http_transfer_encoding", "server_addr", "server_name", "server_port",
	"server_protocol", "slice_range", "ssl_alpn_protocol", "ssl_cipher", "ssl_ciphers",
	"ssl_client_cert", "ssl_client_escaped_cert", "ssl_client_fingerprint", "ssl_client_i_dn",
	"ssl_client_i_dn_legacy", "ssl_client_raw_cert", "ssl_client_s_dn", "ssl_client_s_dn_legacy",
	"ssl_client_serial", "ssl_client_v_end", "ssl_client_v_remain", "ssl_client_v_start",
	"ssl_client_verify", "ssl_curve", "ssl_curves", "ssl_early_data", "ssl_protocol",
	"ssl_server_name", "ssl_session_id", "ssl_session_reused", "status", "tcpinfo_rcv_space",
	"tcpinfo_rtt", "tcpinfo_rttvar", "tcpinfo_snd_cwnd", "time_iso8601", "time_local", "uid_got",
	"uid_reset", "uid_set", "upstream_addr", "upstream_bytes_received", "upstream_bytes_sent",
	"upstream_cache_etag", "upstream_cache_last_modified", "upstream_cache_status",
	"upstream_connect_time", "upstream_header_time", "upstream_response_length",
	"upstream_response_time", "upstream_status", "uri",
}

// streamHashedVariables are the stream module's (with its ssl,
// ssl_preread and realip modules) for the stream block's variables_hash,
// found the same way: nginx settles on 151, 29 and 17 buckets for 64, 128
// and 192 bytes with them.
var streamHashedVariables = []string{
	"binary_remote_addr", "bytes_received", "bytes_sent", "connection", "hostname",
	"limit_conn_status", "msec", "nginx_version", "pid", "protocol", "proxy_protocol_addr",
	"proxy_protocol_port", "proxy_protocol_server_addr", "proxy_protocol_server_port",
	"realip_remote_addr", "realip_remote_port", "remote_addr", "remote_port", "server_addr",
	"server_port", "session_time", "ssl_alpn_protocol", "ssl_cipher", "ssl_ciphers",
	"ssl_client_cert", "ssl_client_escaped_cert", "ssl_client_fingerprint", "ssl_client_i_dn",
	"ssl_client_raw_cert", "ssl_client_s_dn", "ssl_client_serial", "ssl_client_v_end",
	"ssl_client_v_remain", "ssl_client_v_start", "ssl_client_verify", "ssl_curve", "ssl_curves",
	"ssl_preread_alpn_protocols", "ssl_preread_protocol", "ssl_preread_server_name", "ssl_protocol",
	"ssl_server_name", "ssl_session_id", "ssl_session_reused", "status", "time_iso8601", "time_local",
	"upstream_addr", "upstream_bytes_received", "upstream_bytes_sent", "upstream_connect_time",
	"upstream_first_byte_time", "upstream_session_time",
}

// checkVariablesHash is the end of ngx_http_variables_init_vars (after
// the check of unknown variables): the built-in and the configuration's
// variables hashed in variables_hash with variables_hash_max_size (1024)
// and variables_hash_bucket_size (64) buckets; a variable name over 46
// bytes is an error, names that fit no table a warning.
func (b *builder) checkVariablesHash() error {
	return b.variablesHash(hashedVariables, b.http.Vars, b.varsHash)
}

// checkStreamVariablesHash is the same end of
// ngx_stream_variables_init_vars for the stream block.
func (b *builder) checkStreamVariablesHash() error {
	return b.variablesHash(streamHashedVariables, b.stream.s.Vars, b.streamVarsHash)
}

func (b *builder) variablesHash(builtin []string, t *vars.Table, hs hashSizes) error {
	names := slices.Clone(builtin)
	for _, n := range t.Names() {
		if _, found := slices.BinarySearch(builtin, n); !found {
			names = append(names, n)
		}
	}
	max, bucket := int64(1024), int64(cacheLine)
	if hs.max.Set {
		max = hs.max.V
	}
	if hs.bucket.Set {
		bucket = alignBucket(hs.bucket.V)
	}
	return b.buildHash("variables_hash", names, max, bucket)
}

func init() {
	register(
		Directive{Name: "variables_hash_max_size", Ctx: CtxHTTP, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.varsHash.max })},
		Directive{Name: "variables_hash_bucket_size", Ctx: CtxHTTP, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.varsHash.bucket })},
	)
	streamRow(streamRows,
		Directive{Name: "variables_hash_max_size", Ctx: CtxStream, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.streamVarsHash.max })},
		Directive{Name: "variables_hash_bucket_size", Ctx: CtxStream, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.streamVarsHash.bucket })},
	)
}
