package tlsconf

// alpnH2 is what a server speaking HTTP/2 offers: "h2" first, as nginx's
// ngx_http_ssl_alpn_select prefers it.
var alpnH2 = append([]string{"h2"}, alpn...)

// OfferH2 makes the site choose "h2" in ALPN when the client offers it.
// It runs while the configuration is built, before the site serves.
func (s *Site) OfferH2() {
	if s.Config != nil {
		s.Config.NextProtos = alpnH2
	}
}

// NegotiatedProtocol is the protocol ALPN chose ("" before the handshake
// or without ALPN): the engine hands a connection that chose "h2" to its
// HTTP/2 server.
func (c *Conn) NegotiatedProtocol() string {
	if c.tc == nil {
		return ""
	}
	return c.tc.ConnectionState().NegotiatedProtocol
}

// SetALPN sets the protocols the site accepts in ALPN (the stream
// module's ssl_alpn; nil: none, the extension is ignored). It runs while
// the configuration is built, before the site serves.
func (s *Site) SetALPN(list []string) {
	if s.Config != nil {
		s.Config.NextProtos = list
	}
}
