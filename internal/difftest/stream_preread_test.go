package difftest

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"testing"
	"time"
)

// Stream module, ssl_preread: TLS routed by the ClientHello's server
// name without terminating it, compared with nginx. The client is Go's
// TLS client; the backends are two TLS servers that say who they are and
// what the handshake gave them.

// selfSigned makes a throwaway certificate for name.
func selfSigned(t *testing.T, name string) tls.Certificate {
	t.Helper()
	// ed25519: signatures of one size, so that the handshakes' byte
	// counts are the same every time
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsBackend is a TLS server that answers each handshake with
// "NAME sni=... alpn=... version=..." and closes once the client has
// (so that the client's side ends the session, whatever the timing).
func tlsBackend(t *testing.T, name string) string {
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned(t, name)}, NextProtos: []string{"h2", "http/1.1"}}
	return streamBackend(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if err := tc.Handshake(); err != nil {
			return
		}
		st := tc.ConnectionState()
		fmt.Fprintf(tc, "%s sni=%s alpn=%s version=%s\n", name, st.ServerName, st.NegotiatedProtocol, tls.VersionName(st.Version))
		io.Copy(io.Discard, tc)
		tc.Close()
	})
}

// tlsTalk is a TLS client's conversation: the handshake with sni and
// alpn offered (and at most TLS 1.2 with old), then the line the server
// says; then the client closes.
func tlsTalk(sni string, alpn []string, old bool) func(c net.Conn) string {
	return func(c net.Conn) string {
		cfg := &tls.Config{InsecureSkipVerify: true, ServerName: sni, NextProtos: alpn}
		if old {
			cfg.MaxVersion = tls.VersionTLS12
		}
		tc := tls.Client(c, cfg)
		if err := tc.Handshake(); err != nil {
			return "handshake: " + shortErr(err.Error())
		}
		line, err := bufio.NewReader(tc).ReadString('\n')
		if err != nil {
			return line + " [" + shortErr(err.Error()) + "]"
		}
		return line
	}
}

// rawTalk writes b (a part of a ClientHello, or anything) and returns
// what comes back until the server closes.
func rawTalk(b []byte, closeWrite bool) func(c net.Conn) string {
	return func(c net.Conn) string {
		c.Write(b)
		if closeWrite {
			c.(*net.TCPConn).CloseWrite()
		}
		got, err := io.ReadAll(c)
		if err != nil {
			return fmt.Sprintf("%q [%s]", got, shortErr(err.Error()))
		}
		return fmt.Sprintf("%q [eof]", got)
	}
}

func TestStreamSSLPreread(t *testing.T) {
	st := &site{
		stream: `
    log_format s '$remote_addr $status "$upstream_addr" "$ssl_preread_server_name" "$ssl_preread_protocol" "$ssl_preread_alpn_protocols"';
    access_log logs/access.log s;
    map $ssl_preread_server_name $backend {
        a.test     {{B0}};
        ~^b\.      bgroup;
        default    {{B2}};
    }
    upstream bgroup { server {{B1}}; }
    server { listen {{B3}}; ssl_preread on; proxy_pass $backend; }
    server { listen {{B4}}; ssl_preread on; preread_timeout 300ms; proxy_pass $backend; }
    server { listen {{B5}}; ssl_preread on; preread_buffer_size 64; proxy_pass $backend; }
    server { listen {{B6}}; proxy_pass $backend; }
`,
		backends: func(t *testing.T, name string) []string {
			ports := freePorts(t, streamListens)
			out := []string{tlsBackend(t, "A"), tlsBackend(t, "B"), streamEcho(t)}
			for _, p := range ports {
				out = append(out, fmt.Sprintf("127.0.0.1:%d", p))
			}
			return out
		},
	}
	// a ClientHello cut short: the record header says more is coming
	partial := []byte{0x16, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3}
	runStream(t, st, []streamCase{
		{name: "sni a.test", listen: 0, talk: tlsTalk("a.test", []string{"h2", "http/1.1"}, false)},
		{name: "sni b.test by regex to a group", listen: 0, talk: tlsTalk("b.test", []string{"http/1.1"}, false)},
		{name: "tls 1.2, no alpn", listen: 0, talk: tlsTalk("a.test", nil, true)},
		{name: "no sni: the default", listen: 0, talk: tlsTalk("", nil, false)},
		{name: "not tls: declined, proxied as it is", listen: 0, talk: rawTalk([]byte("hello, plain"), true)},
		{name: "a hello cut short, then the client closes", listen: 0, talk: rawTalk(partial, true)},
		{name: "preread_timeout", listen: 1, talk: rawTalk(partial, false)},
		{name: "nothing sent: preread_timeout", listen: 1, talk: rawTalk(nil, false)},
		{name: "preread buffer full", listen: 2, talk: tlsTalk("a.test", nil, false)},
		{name: "ssl_preread off: no variables", listen: 3, talk: rawTalk([]byte("plain"), true)},
	})
}
