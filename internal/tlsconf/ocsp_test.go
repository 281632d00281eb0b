package tlsconf

import (
	"math"
	"strings"
	"testing"
)

func TestParseResponder(t *testing.T) {
	for _, c := range []struct {
		url, host, uri, err string
		port                int
	}{
		{url: "http://127.0.0.1:8080/ocsp", host: "127.0.0.1", port: 8080, uri: "/ocsp"},
		{url: "HTTP://127.0.0.1", host: "127.0.0.1", port: 80, uri: "/"},
		{url: "http://[::1]:81/x/", host: "::1", port: 81, uri: "/x/"},
		{url: "http://", err: "invalid URL prefix"},
		{url: "https://127.0.0.1/", err: "invalid URL prefix"},
		{url: "http://127.0.0.1:99999/", err: "invalid port"},
		{url: "http://127.0.0.1:0/", err: "invalid port"},
		{url: "http:///x", err: "no host"},
	} {
		r, err := ParseResponder(c.url, false)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%s: error %v, want %s", c.url, err, c.err)
			}
			continue
		}
		if err != nil || r.Host != c.host || r.Port != c.port || r.URI != c.uri {
			t.Errorf("%s: %+v %v", c.url, r, err)
		}
	}
}

// TestOCSPRequestText: the request is GET URI/BASE64 with the base64
// escaped as a URI component, HTTP/1.0 and Host.
func TestOCSPRequestText(t *testing.T) {
	r := Responder{Host: "ocsp.test", URI: "/ocsp"}
	got := string(r.requestText([]byte{0xfb, 0xff, 0x01}))
	if want := "GET /ocsp/%2B%2F8B HTTP/1.0\r\nHost: ocsp.test\r\n\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseOCSPHTTP(t *testing.T) {
	for _, c := range []struct{ in, msg, body string }{
		{in: "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\n\r\nDER", body: "DER"},
		{in: "HTTP/1.1 200 OK\nContent-type:  Application/OCSP-Response \n\nDER", body: "DER"},
		{in: "HTTP/1.0 500 Internal\r\n\r\nx", body: "x"},
		{in: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nx", msg: `OCSP responder sent invalid "Content-Type" header: "text/plain"`},
		{in: "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\n", msg: "OCSP responder prematurely closed connection"},
		{in: "HTTP/1.0 20", msg: "OCSP responder prematurely closed connection"},
		{in: "", msg: "OCSP responder prematurely closed connection"},
		{in: "XTTP/1.0 200 OK\r\n\r\n", msg: "OCSP responder sent invalid response"},
		{in: "HTTP/1.0 2x0 OK\r\n\r\n", msg: "OCSP responder sent invalid response"},
		{in: "HTTP/1.0 200 OK\r\nBad Header: x\r\n\r\n", msg: "OCSP responder sent invalid response"},
	} {
		_, body, msg := parseOCSPHTTP([]byte(c.in))
		if msg != c.msg || c.msg == "" && string(body) != c.body {
			t.Errorf("%q: msg %q body %q", c.in, msg, body)
		}
	}
}

// TestOCSPCache: an entry holds until its nextUpdate, an hour without
// one, and the oldest goes when the zone is full.
func TestOCSPCache(t *testing.T) {
	c := NewOCSPCache(256)
	c.store("a", OCSPRevoked, 100, 50)
	if s, ok := c.lookup("a", 99); !ok || s != OCSPRevoked {
		t.Fatalf("lookup: %d %v", s, ok)
	}
	if _, ok := c.lookup("a", 100); ok {
		t.Fatal("an expired entry was found")
	}
	c.store("b", OCSPGood, math.MaxInt64, 1000)
	if _, ok := c.lookup("b", 1000+3599); !ok {
		t.Fatal("no nextUpdate: an hour")
	}
	if _, ok := c.lookup("b", 1000+3600); ok {
		t.Fatal("no nextUpdate: past an hour")
	}
	c.store("c", OCSPGood, 10, 20) // already expired: not kept
	if _, ok := c.lookup("c", 5); ok {
		t.Fatal("an expired answer was kept")
	}
	c.store("d", OCSPGood, 100, 1)
	c.store("e", OCSPGood, 100, 1)
	c.store("f", OCSPGood, 100, 1)
	if _, ok := c.lookup("d", 2); ok {
		t.Fatal("the oldest entry stayed in a full zone")
	}
	if _, ok := c.lookup("f", 2); !ok {
		t.Fatal("the newest entry is missing")
	}
}

func TestOCSPStatusTexts(t *testing.T) {
	if got := strings.Join([]string{ocspResponseStatusText(3), ocspResponseStatusText(6), ocspResponseStatusText(4), ocspStatusText(OCSPRevoked)}, ","); got != "trylater,unauthorized,(UNKNOWN),revoked" {
		t.Error(got)
	}
}
