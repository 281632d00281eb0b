package httpcore

import (
	"strings"
	"testing"
	"time"
)

// statusCase is one raw request and what nginx answers to it. The
// expectations were taken from nginx 1.22.1 on loopback, and from the
// current nginx sources where they differ (noted per case).
type statusCase struct {
	name   string
	req    string
	status []string // expected status lines in order ("" = nothing sent)
	closed bool     // the server closes the connection
	errMsg string   // substring of the refused request's ErrMsg
	body   []string // substrings of the response
}

const next = "GET /next HTTP/1.1\r\nHost: b\r\n\r\n"

var statusCases = []statusCase{
	// the basics
	{name: "get_11", req: "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"},
		body: []string{"path=/echo", "host=a", "ka=true", "Connection: keep-alive"}},
	{name: "get_10_close", req: "GET /echo HTTP/1.0\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, closed: true,
		body: []string{"ka=false", "Connection: close"}},
	{name: "get_10_keepalive", req: "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", status: []string{"HTTP/1.1 200 OK"},
		body: []string{"ka=true", "Connection: keep-alive"}},
	{name: "connection_close_substring", req: "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: foo-CLOSEd\r\n\r\n",
		status: []string{"HTTP/1.1 200 OK"}, closed: true, body: []string{"Connection: close"}},
	{name: "pipelined_three", req: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{"path=/1", "path=/2", "path=/3"}},
	{name: "bare_lf_accepted", req: "GET /echo HTTP/1.1\nHost: a\n\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"host=a"}},
	{name: "cr_cr_lf_header_end", req: "GET /echo HTTP/1.1\r\nHost: a\r\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}},
	{name: "leading_empty_lines", req: "\r\n\r\nGET /echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}},
	{name: "spaces_in_request_line", req: "GET  /echo  HTTP/1.1  \r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"},
		body: []string{`request="GET  /echo  HTTP/1.1  "`, "proto=HTTP/1.1  "}},
	{name: "version_1_2", req: "GET /echo HTTP/1.2\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"minor=2", "ka=true"}},
	{name: "version_1_999", req: "GET /echo HTTP/1.999\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}},
	{name: "method_underscore", req: "G_T /echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"method=G_T"}},
	{name: "header_without_colon", req: "GET /echo HTTP/1.1\r\nHost: a\r\nFoo\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"h Foo: \n"}},
	{name: "header_value_trimmed", req: "GET /echo HTTP/1.1\r\nHost: a\r\nX:\t a b \t\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"h X: a b\n"}},
	{name: "header_value_controls_kept", req: "GET /echo HTTP/1.1\r\nHost: a\r\nX: a\x01b\x7f\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}},

	// request line errors
	{name: "bare_cr_request_line_400", req: "GET /echo\rX HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: "client sent invalid request while reading client request line"},
	{name: "lowercase_method_400", req: "get /echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: "client sent invalid method"},
	{name: "tab_separator_400", req: "GET\t/echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true,
		errMsg: "client sent invalid method"},
	{name: "space_in_uri_400", req: "GET /ec ho HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true,
		errMsg: "client sent invalid request"},
	{name: "control_in_uri_400", req: "GET /ec\x01ho HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "del_in_uri_400", req: "GET /ec\x7fho HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "high_byte_in_uri_ok", req: "GET /ec\xffho HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}},
	{name: "asterisk_400", req: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "relative_uri_400", req: "GET echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "http_2_0_505", req: "GET /echo HTTP/2.0\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 505 HTTP Version Not Supported"},
		closed: true, errMsg: "client sent invalid version while reading client request line"},
	{name: "http_3_505", req: "GET /echo HTTP/3\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 505 HTTP Version Not Supported"}, closed: true},
	{name: "http_0_9_version_400", req: "GET /echo HTTP/0.9\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "http_01_1_400", req: "GET /echo HTTP/01.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "minor_1000_400", req: "GET /echo HTTP/1.1000\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "http09_get_bare_body", req: "GET /echo\r\n", status: []string{""}, closed: true, body: []string{"method=GET path=/echo", "minor=9"}},
	{name: "http09_post_400_without_header", req: "POST /echo\r\n", status: []string{""}, closed: true,
		errMsg: "client sent invalid method in HTTP/0.9 request", body: []string{"<title>400</title>"}},
	// nginx 1.22 answers CONNECT with 400; current nginx parses it and
	// answers 405
	{name: "connect_405", req: "CONNECT a.com:443 HTTP/1.1\r\nHost: a.com\r\n\r\n", status: []string{"HTTP/1.1 405 Not Allowed"},
		closed: true, errMsg: "client sent CONNECT method while reading client request headers"},
	{name: "trace_405", req: "TRACE /echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 405 Not Allowed"},
		closed: true, errMsg: "client sent TRACE method"},

	// URI normalisation
	{name: "pct_00_400", req: "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true,
		errMsg: "client sent invalid request while reading client request line"},
	{name: "pct_bad_hex_400", req: "GET /echo%zz HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "pct_truncated_400", req: "GET /echo%4 HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "pct_in_args_kept", req: "GET /echo?%zz HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"args=%zz"}},
	{name: "pct_3f_decoded", req: "GET /echo%3Fx?y HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"},
		body: []string{"path=/echo?x args=y host=a uri=/echo%3Fx?y"}},
	{name: "pct_23_decoded", req: "GET /echo%23x HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"path=/echo#x"}},
	{name: "pct_2f_dotdot", req: "GET /a/b%2F..%2Fc HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"path=/a/c"}},
	{name: "dotdot_above_root_400", req: "GET /../echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "pct_dotdot_above_root_400", req: "GET /%2e%2e/echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "dotdot_resolved", req: "GET /x/../echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"path=/echo "}},
	{name: "dot_segments", req: "GET /./echo/. HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"path=/echo/ "}},
	{name: "dotdot_at_end", req: "GET /x/y/.. HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"path=/x/ "}},
	{name: "merge_slashes", req: "GET //echo///x HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"path=/echo/x "}},
	{name: "fragment_dropped", req: "GET /echo#frag?x HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"},
		body: []string{"path=/echo args= ", "uri=/echo#frag?x"}},
	{name: "args_fragment", req: "GET /echo?a=1#frag HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"args=a=1 "}},
	{name: "plus_kept", req: "GET /echo%2b+x?a+b HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"path=/echo++x args=a+b"}},

	// Host
	{name: "no_host_11_400", req: "GET /echo HTTP/1.1\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true,
		errMsg: `client sent HTTP/1.1 request without "Host" header while reading client request headers`},
	{name: "no_host_10_ok", req: "GET /echo HTTP/1.0\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, closed: true, body: []string{"host= "}},
	{name: "host_slash_400", req: "GET /echo HTTP/1.1\r\nHost: a/b\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true,
		errMsg: "client sent invalid host header"},
	{name: "host_dotdot_400", req: "GET /echo HTTP/1.1\r\nHost: a..b\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "host_empty_400", req: "GET /echo HTTP/1.1\r\nHost: \r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "host_space_400", req: "GET /echo HTTP/1.1\r\nHost: a b\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "host_control_400", req: "GET /echo HTTP/1.1\r\nHost: a\x01b\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "host_lowercased_dot_port", req: "GET /echo HTTP/1.1\r\nHost: A.b.:80\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"host=a.b "}},
	{name: "host_ipv6", req: "GET /echo HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}, body: []string{"host=[::1] "}},
	{name: "duplicate_host_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true,
		errMsg: `client sent duplicate host header: "Host: b", previous value: "Host: a"`},
	{name: "absolute_uri_sets_host", req: "GET http://Foo.COM:8080/echo?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"},
		body: []string{"path=/echo args=x=1 host=foo.com uri=/echo?x=1"}},
	{name: "absolute_uri_no_path", req: "GET http://foo.com HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"},
		body: []string{"path=/ args= host=foo.com uri=/ "}},
	{name: "absolute_uri_query_only", req: "GET http://foo.com?a=b HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 200 OK"},
		body: []string{"path=/ args=a=b host=foo.com uri=?a=b "}},
	{name: "absolute_uri_bad_host_400", req: "GET http://foo..com/echo HTTP/1.1\r\nHost: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: "client sent invalid host in request line"},
	{name: "absolute_uri_still_needs_host_header", req: "GET http://[::1]:80/echo HTTP/1.1\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `without "Host" header`},

	// header lines
	{name: "bare_cr_in_header_value_400", req: "GET /echo HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `client sent invalid header line: "Host: a\x0d..." while reading client request headers`},
	{name: "bare_cr_in_header_name_400", req: "GET /echo HTTP/1.1\r\nHo\rst: a\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `client sent invalid header line: "Ho\x0d..."`},
	{name: "obs_fold_space_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `client sent invalid header line: "\x20..."`},
	{name: "obs_fold_tab_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `"\x09..."`},
	{name: "empty_header_name_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `"\x3a..."`},
	{name: "space_in_header_name_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nFo o: v\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "space_before_colon_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nFoo : v\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "nul_in_header_value_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `"X: a\x00..."`},
	{name: "underscore_header_dropped", req: "GET /echo HTTP/1.1\r\nHost: a\r\nX_Y: v\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}},
	{name: "invalid_name_char_dropped", req: "GET /echo HTTP/1.1\r\nHost: a\r\nX.Y: v\r\n\r\n", status: []string{"HTTP/1.1 200 OK"}},
	{name: "duplicate_expect_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nExpect: x\r\nExpect: y\r\n\r\n", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `client sent duplicate header line: "Expect: y", previous value: "Expect: x"`},
	{name: "duplicate_if_none_match_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nIf-None-Match: x\r\nIf-None-Match: y\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "duplicate_authorization_400", req: "GET /echo HTTP/1.1\r\nHost: a\r\nAuthorization: x\r\nauthorization: y\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true, errMsg: `"authorization: y", previous value: "Authorization: x"`},

	// request smuggling defences
	{name: "smuggle_cl_and_te_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true,
		errMsg: `client sent "Content-Length" and "Transfer-Encoding" headers at the same time while reading client request headers`},
	{name: "smuggle_te_and_cl_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true, errMsg: "at the same time"},
	{name: "smuggle_duplicate_cl_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true,
		errMsg: `client sent duplicate header line: "Content-Length: 3", previous value: "Content-Length: 3"`},
	{name: "smuggle_duplicate_te_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true, errMsg: "client sent duplicate header line"},
	{name: "smuggle_te_gzip_chunked_501", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 501 Not Implemented"}, closed: true, errMsg: `client sent unknown "Transfer-Encoding": "gzip, chunked"`},
	{name: "smuggle_te_unknown_with_cl_501", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: foo\r\n\r\nabc",
		status: []string{"HTTP/1.1 501 Not Implemented"}, closed: true},
	{name: "smuggle_te_in_http10_400", req: "POST /echo HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true, errMsg: `client sent HTTP/1.0 request with "Transfer-Encoding" header`},
	{name: "smuggle_te_underscore_ignored", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer_Encoding: chunked\r\n\r\nabc" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abc"`, "path=/next"}},
	{name: "smuggle_cl_underscore_ignored", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent_Length: 3\r\n\r\n" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{"cl=-1", "path=/next"}},
	{name: "te_chunked_case_insensitive", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abc"`, "path=/next"}},
	{name: "te_trailing_space_trimmed", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked \r\n\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 200 OK"}, body: []string{"chunked=true"}},
	{name: "cl_invalid_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3x\r\n\r\nabc", status: []string{"HTTP/1.1 400 Bad Request"},
		closed: true, errMsg: `client sent invalid "Content-Length" header`},
	{name: "cl_negative_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -3\r\n\r\nabc", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "cl_plus_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "cl_empty_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\nabc", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "cl_list_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3,3\r\n\r\nabc", status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "cl_overflow_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\nabc",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "cl_leading_zeros_ok", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 003\r\n\r\nabc" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abc"`, "path=/next"}},
	{name: "cl_body_then_pipelined", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abc"`, "path=/next"}},

	// chunked bodies (current nginx: CRLF required in the framing)
	{name: "chunked_basic", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abc0123456789"`, "path=/next"}},
	{name: "chunked_extensions", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;foo=bar\r\nabc\r\n3 ;x\r\ndef\r\n3\t\r\nghi\r\n0;y=z\r\n\r\n" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abcdefghi"`, "path=/next"}},
	{name: "chunked_trailer", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abc"`, "path=/next"}},
	{name: "chunked_leading_zeros", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0003\r\nabc\r\n0000\r\n\r\n" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abc"`}},
	{name: "chunk_size_bad_hex_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3g\r\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true, body: []string{"client sent invalid chunked body"}},
	{name: "chunk_size_negative_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "chunk_size_0x_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "chunk_size_empty_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "chunk_size_overflow_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "chunk_size_near_max_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7ffffffffffffff0\r\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "chunk_data_too_long_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "chunk_bare_cr_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\rabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	// nginx 1.22 accepted bare LF in the framing; current nginx (PR 1016)
	// answers 400
	{name: "chunk_bare_lf_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "chunk_extension_bare_lf_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a\nabc\r\n0\r\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
	{name: "chunk_trailer_bare_lf_400", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\n\r\n",
		status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},

	// Expect
	{name: "expect_100_continue", req: "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
		status: []string{"HTTP/1.1 100 Continue", "HTTP/1.1 200 OK"}, body: []string{`body="abc"`}},
	{name: "expect_100_continue_http10_ignored", req: "POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
		status: []string{"HTTP/1.1 200 OK"}, closed: true},
	{name: "expect_other_ignored", req: "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 3\r\n\r\nabc",
		status: []string{"HTTP/1.1 200 OK"}},

	// HEAD
	{name: "head_keeps_content_length", req: "HEAD /echo HTTP/1.1\r\nHost: a\r\n\r\n" + next,
		status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{"Content-Length: 1", "path=/next"}},
}

func TestStatus(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	addr, _ := startServer(t, h)
	for _, tc := range statusCases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.errLog())
			resp, closed := exchange(t, addr, tc.req, 200*time.Millisecond)
			checkStatus(t, tc, resp, closed)
			errs := h.errLog()[before:]
			if tc.errMsg != "" {
				if len(errs) == 0 || !strings.Contains(errs[len(errs)-1], tc.errMsg) {
					t.Errorf("error log %q, want %q", errs, tc.errMsg)
				}
			}
		})
	}
}

func checkStatus(t *testing.T, tc statusCase, resp string, closed bool) {
	t.Helper()
	var got []string
	for _, line := range strings.Split(resp, "\n") {
		if strings.HasPrefix(line, "HTTP/1.1 ") {
			got = append(got, strings.TrimSuffix(line, "\r"))
		}
	}
	want := tc.status
	if len(want) == 1 && want[0] == "" {
		want = nil
		if strings.HasPrefix(resp, "HTTP/") {
			t.Errorf("response has a header:\n%s", resp)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("status lines %q, want %q\n%s", got, want, resp)
	}
	if closed != tc.closed {
		t.Errorf("closed = %v, want %v\n%s", closed, tc.closed, resp)
	}
	for _, b := range tc.body {
		if !strings.Contains(resp, b) {
			t.Errorf("response lacks %q:\n%s", b, resp)
		}
	}
}
