package difftest

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"
)

// Stream module, TLS: "listen ... ssl" with the ssl_* directives and the
// $ssl_* variables, and proxy_ssl towards upstreams, compared with nginx.
// The certificates are testPKI's. Each proxy_ssl server has an upstream
// of its own: nginx keeps the TLS session on the upstream's peer, shared
// by the servers proxying to one address, and a session resumed from a
// server without proxy_ssl_verify keeps its verify result (weir's
// sessions are the server's). The TLS 1.2 suite of a proxy_ssl handshake
// is not compared: Go's client orders its suites its own way.

// streamTLSTalk is a TLS client's conversation: the handshake (o's
// name, certificate and versions, alpn offered), then send, then readN
// bytes (0: until the server closes); what the client saw is returned.
func streamTLSTalk(o tlsClient, alpn []string, send string, readN int) func(c net.Conn) string {
	return func(c net.Conn) string {
		cfg := o.config()
		cfg.NextProtos = alpn
		tc := tls.Client(c, cfg)
		if err := tc.Handshake(); err != nil {
			return "handshake: " + shortErr(err.Error())
		}
		if send != "" {
			io.WriteString(tc, send)
		}
		if readN > 0 {
			buf := make([]byte, readN)
			n, err := io.ReadFull(tc, buf)
			if err != nil {
				return string(buf[:n]) + " [" + shortErr(err.Error()) + "]"
			}
			return string(buf)
		}
		b, err := io.ReadAll(tc)
		if err != nil {
			return string(b) + " [" + shortErr(err.Error()) + "]"
		}
		return string(b) + " [eof]"
	}
}

func TestStreamSSL(t *testing.T) {
	files := testPKI(t)
	st := streamSite(`
    log_format s '$status $bytes_sent $bytes_received "$ssl_protocol" "$ssl_server_name" "$ssl_session_reused" "$ssl_client_verify" "$ssl_alpn_protocol" "$ssl_client_s_dn" "$ssl_client_serial" "$upstream_addr"';
    access_log logs/access.log s;
    ssl_certificate {{ROOT}}/pki/srv-ec.crt;
    ssl_certificate_key {{ROOT}}/pki/srv-ec.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    server { listen {{B3}} ssl; proxy_pass {{B0}}; }
    server { listen {{B4}} ssl; return "hi $ssl_protocol $ssl_server_name\n"; }
    server { listen {{B5}} ssl; ssl_verify_client on; ssl_client_certificate {{ROOT}}/pki/ca.crt; return "on $ssl_client_verify $ssl_client_s_dn\n"; }
    server { listen {{B6}} ssl; ssl_verify_client optional; ssl_client_certificate {{ROOT}}/pki/ca.crt; ssl_handshake_timeout 300ms; return "optional $ssl_client_verify\n"; }
    server { listen {{B7}} ssl; ssl_alpn foo bar; ssl_protocols TLSv1.2; return "alpn $ssl_alpn_protocol $ssl_protocol $ssl_cipher\n"; }
    server { listen {{B8}}; proxy_pass {{B4}}; proxy_ssl on; proxy_ssl_server_name on; proxy_ssl_name up.test; proxy_ssl_protocols TLSv1.2; }
    server { listen {{B9}}; proxy_pass {{B6}}; proxy_ssl on; proxy_ssl_verify on; proxy_ssl_trusted_certificate {{ROOT}}/pki/ca.crt; proxy_ssl_name localhost; proxy_ssl_protocols TLSv1.2; }
    server { listen {{B10}}; proxy_pass {{B7}}; proxy_ssl on; proxy_ssl_verify on; proxy_ssl_trusted_certificate {{ROOT}}/pki/ca.crt; proxy_ssl_name wrong.test; }
`)
	st.files = files
	partial := []byte{0x16, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3}
	tls12 := tlsClient{sni: "localhost", max: tls.VersionTLS12}
	runStream(t, st, []streamCase{
		{name: "echo over tls", listen: 0, talk: streamTLSTalk(tlsClient{sni: "localhost"}, nil, "hello", 5)},
		{name: "return over tls 1.2", listen: 1, talk: streamTLSTalk(tls12, nil, "", 0)},
		{name: "no sni", listen: 1, talk: streamTLSTalk(tlsClient{}, nil, "", 0)},
		{name: "the client closes at once", listen: 1, talk: rawTalk(nil, true)},
		{name: "a hello cut short", listen: 1, talk: rawTalk(partial, true)},
		{name: "plain http to an ssl port", listen: 1, talk: rawTalk([]byte("GET / HTTP/1.0\r\n\r\n"), false)},
		{name: "plain text to an ssl port", listen: 1, talk: rawTalk([]byte("hello there\r\n"), false)},
		{name: "verify on, no certificate", listen: 2, talk: streamTLSTalk(tls12, nil, "", 0)},
		{name: "verify on, good certificate", listen: 2, talk: streamTLSTalk(tlsClient{sni: "localhost", cert: "good", max: tls.VersionTLS12}, nil, "", 0)},
		{name: "verify on, expired certificate", listen: 2, talk: streamTLSTalk(tlsClient{sni: "localhost", cert: "expired", max: tls.VersionTLS12}, nil, "", 0)},
		{name: "verify optional, no certificate", listen: 3, talk: streamTLSTalk(tls12, nil, "", 0)},
		{name: "verify optional, other CA", listen: 3, talk: streamTLSTalk(tlsClient{sni: "localhost", cert: "other", max: tls.VersionTLS12}, nil, "", 0)},
		{name: "ssl_handshake_timeout", listen: 3, talk: rawTalk(partial, false)},
		{name: "ssl_alpn chosen", listen: 4, talk: streamTLSTalk(tls12, []string{"bar", "baz"}, "", 0)},
		{name: "ssl_alpn, no alpn offered", listen: 4, talk: streamTLSTalk(tls12, nil, "", 0)},
		{name: "proxy_ssl with a server name", listen: 5, wait: 100 * time.Millisecond},
		{name: "proxy_ssl, the session reused", listen: 5, wait: 100 * time.Millisecond},
		{name: "proxy_ssl_verify", listen: 6, wait: 100 * time.Millisecond},
		{name: "proxy_ssl_verify, another name", listen: 7, wait: 100 * time.Millisecond},
	})
}
