package httpd

import (
	"strconv"

	"weir/internal/errlog"
	"weir/internal/proxyproto"
	"weir/internal/vars"
)

// proxyHeader is the connection's PROXY protocol header
// (c->proxy_protocol): the engine keeps a plain connection's, the
// wrapper under TLS its own. nil when none came or it had no addresses.
func (q *request) proxyHeader() *proxyproto.Header {
	if h := q.r.Conn.Proxy; h != nil {
		return h
	}
	if tc := q.tlsConn(); tc != nil {
		if pc, ok := tc.Conn.(*proxyproto.Conn); ok {
			return pc.Header()
		}
	}
	return nil
}

// proxyProtocolVar is $proxy_protocol_addr, _port, _server_addr and
// _server_port: not found without a header, a port of 0 is empty.
func (q *request) proxyProtocolVar(id vars.ID) (string, bool) {
	h := q.proxyHeader()
	if h == nil {
		return "", false
	}
	port := func(p int) (string, bool) {
		if p > 0 {
			return strconv.Itoa(p), true
		}
		return "", true
	}
	switch id {
	case vars.ProxyProtocolAddr:
		return h.SrcAddr, true
	case vars.ProxyProtocolServerAddr:
		return h.DstAddr, true
	case vars.ProxyProtocolPort:
		return port(h.SrcPort)
	}
	return port(h.DstPort)
}

// proxyProtocolTLV is $proxy_protocol_tlv_NAME (nginx 1.23.2).
func (q *request) proxyProtocolTLV(name string) (string, bool) {
	h := q.proxyHeader()
	if h == nil {
		return "", false
	}
	v, ok, msg := h.TLV(name)
	if msg != "" {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s", msg, q.logSuffix())
	}
	return v, ok
}
