package errlog

// Context is what nginx's ngx_http_log_error appends to every line logged
// about a request, in its order: client, server, request, upstream, host,
// referrer.
type Context struct {
	Client  string // client address; empty for lines not about a connection
	Server  string // server_name of the server block; printed even when empty
	Request string // request line, e.g. GET / HTTP/1.1
	// Subrequest is the URI of the subrequest the line is about (auth_request's,
	// mirror's), after the main request's line as ngx_http_log_error_handler
	// puts it.
	Subrequest string
	Upstream   string // upstream URL, e.g. http://127.0.0.1:8080/x
	Host       string // Host the request named
	Referrer   string // Referer header
	// HostSent and ReferrerSent print the header even when empty: nginx
	// tests for the header (r->headers_in.host), not for its value.
	HostSent, ReferrerSent bool
}

// Append appends the tail to dst:
//
//	, client: 127.0.0.1, server: example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8080/", host: "localhost", referrer: "http://a/"
//
// As in nginx, nothing is added without a client, "server:" is always
// present once there is one, and the other parts are left out when empty.
func (c *Context) Append(dst []byte) []byte {
	if c.Client == "" {
		return dst
	}
	dst = append(dst, ", client: "...)
	dst = append(dst, c.Client...)
	dst = append(dst, ", server: "...)
	dst = append(dst, c.Server...)
	dst = appendQuoted(dst, ", request: ", c.Request, false)
	dst = appendQuoted(dst, ", subrequest: ", c.Subrequest, false)
	dst = appendQuoted(dst, ", upstream: ", c.Upstream, false)
	dst = appendQuoted(dst, ", host: ", c.Host, c.HostSent)
	dst = appendQuoted(dst, ", referrer: ", c.Referrer, c.ReferrerSent)
	return dst
}

func appendQuoted(dst []byte, label, v string, always bool) []byte {
	if v == "" && !always {
		return dst
	}
	dst = append(dst, label...)
	dst = append(dst, '"')
	dst = append(dst, v...)
	return append(dst, '"')
}

// ClientSuffix returns the Context tail for the common fields, e.g.
// `, client: 127.0.0.1, server: example.com, request: "GET / HTTP/1.1", host: "localhost"`.
func ClientSuffix(client, server, request, upstream, host string) string {
	c := Context{Client: client, Server: server, Request: request, Upstream: upstream, Host: host}
	return string(c.Append(nil))
}
