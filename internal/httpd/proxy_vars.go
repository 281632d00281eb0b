package httpd

import (
	"strconv"
	"strings"
	"time"

	"weir/internal/vars"
)

// upState is one attempt to talk to an upstream server, what the
// $upstream_* variables list (nginx's ngx_http_upstream_state_t).
type upState struct {
	addr         string
	status       int           // 0 prints "-"
	connectTime  time.Duration // -1 prints "-"
	headerTime   time.Duration // -1 prints "-"
	responseTime time.Duration
	length       int64 // response body bytes
	received     int64 // bytes received from the server
	sent         int64 // bytes sent to the server
	newGroup     bool  // the first attempt of a later upstream pass (" : ")
}

// upstreamVar renders one $upstream_* variable over all attempts, joined
// by ", " within a pass and " : " between passes (error_page or
// X-Accel-Redirect that went to another group), as
// ngx_http_upstream_addr_variable and its siblings do.
func (q *request) upstreamVar(id vars.ID) (string, bool) {
	if len(q.ups) == 0 {
		return "", false
	}
	b := q.buf[:0]
	for i := range q.ups {
		st := &q.ups[i]
		if i > 0 {
			if st.newGroup {
				b = append(b, " : "...)
			} else {
				b = append(b, ", "...)
			}
		}
		switch id {
		case vars.UpstreamAddr:
			b = append(b, st.addr...)
		case vars.UpstreamStatus:
			if st.status == 0 {
				b = append(b, '-')
			} else {
				b = strconv.AppendInt(b, int64(st.status), 10)
			}
		case vars.UpstreamConnectTime:
			b = appendMsec(b, st.connectTime)
		case vars.UpstreamHeaderTime:
			b = appendMsec(b, st.headerTime)
		case vars.UpstreamResponseTime:
			b = appendMsec(b, st.responseTime)
		case vars.UpstreamResponseLength:
			b = strconv.AppendInt(b, st.length, 10)
		case vars.UpstreamBytesReceived:
			b = strconv.AppendInt(b, st.received, 10)
		case vars.UpstreamBytesSent:
			b = strconv.AppendInt(b, st.sent, 10)
		}
	}
	q.buf = b
	return string(b), true
}

// appendMsec appends d as nginx's "%T.%03M" (seconds with milliseconds),
// or "-" for a negative d (a phase the attempt never reached).
func appendMsec(b []byte, d time.Duration) []byte {
	if d < 0 {
		return append(b, '-')
	}
	ms := d.Milliseconds()
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	r := ms % 1000
	if r < 100 {
		b = append(b, '0')
	}
	if r < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, r, 10)
}

// upstreamHeader is $upstream_http_NAME: the header of the last upstream
// response (ngx_http_upstream_header_variable); repeated headers are
// joined with ", " ("; " for Cookie-like names as nginx 1.23+).
func (q *request) upstreamHeader(name string) (string, bool) {
	if q.px == nil || !q.px.haveHead {
		return "", false
	}
	var out string
	n := 0
	for _, h := range q.px.head.Headers {
		if !headerNameEq(h.Name, name) {
			continue
		}
		if n == 0 {
			out = h.Value
		} else {
			out += ", " + h.Value
		}
		n++
	}
	return out, n > 0
}

// upstreamCookie is $upstream_cookie_NAME: a cookie the last upstream
// response set (ngx_http_upstream_cookie_variable).
func (q *request) upstreamCookie(name string) (string, bool) {
	if q.px == nil || !q.px.haveHead {
		return "", false
	}
	for _, h := range q.px.head.Headers {
		if !headerNameEq(h.Name, "set_cookie") {
			continue
		}
		v := h.Value
		k, rest, ok := strings.Cut(v, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), name) {
			continue
		}
		val, _, _ := strings.Cut(rest, ";")
		return val, true
	}
	return "", false
}

// proxyAddXForwardedFor is $proxy_add_x_forwarded_for: the client's
// X-Forwarded-For with $remote_addr appended. An empty header counts
// (", addr"), as in ngx_http_proxy_add_x_forwarded_for_variable.
func (q *request) proxyAddXForwardedFor() string {
	xff, ok := q.requestHeader("x_forwarded_for")
	if !ok {
		return q.remoteText()
	}
	return xff + ", " + q.remoteText()
}
