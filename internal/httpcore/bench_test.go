package httpcore

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// A request as a browser-ish client sends it.
const benchRequest = "GET /static/1k.txt?v=3 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=0123456789abcdef; theme=dark\r\n" +
	"If-None-Match: \"6b0132b9-400\"\r\n" +
	"\r\n"

// BenchmarkParseRequest measures the request line and header parsing,
// header processing and URI handling of one request held in the buffer.
func BenchmarkParseRequest(b *testing.B) {
	benchParse(b, benchRequest)
}

// BenchmarkParseRequestComplexURI adds percent-decoding and dot segments.
func BenchmarkParseRequestComplexURI(b *testing.B) {
	benchParse(b, "GET /a/./b/../static/%31k.txt?v=3 HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
}

func benchParse(b *testing.B, req string) {
	s := &Server{Handler: &testHandler{}}
	c := newConn(s, &fakeConn{}, nil)
	c.set = DefaultSettings()
	c.small = bufPool(c.set.HeaderBufferSize)
	c.large = bufPool(c.set.LargeHeaderBufSize)
	c.idleDeadline = nanotime() + int64(time.Hour)
	buf := &buf{b: make([]byte, 4096), pool: c.small}
	n := copy(buf.b, req)
	st := getStream(c)
	c.st = st
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.cur, c.pos, c.last = buf, 0, n
		st.bufs = append(st.bufs[:0], buf)
		st.begin()
		c.readRequest(st)
		if st.req.Err != 0 {
			b.Fatal(st.req.ErrMsg)
		}
	}
}

var body1k = bytes.Repeat([]byte("0123456789abcdef"), 64)

// serve1k is the benchmark handler: a 1 KiB body from memory, as a static
// file handler with a cached small file would answer.
func serve1k(w *Response, r *Request) {
	w.Server = "weir"
	w.ContentType = "text/plain"
	w.ContentLength = int64(len(body1k))
	w.Header = append(w.Header, Header{"Accept-Ranges", "bytes"})
	w.KeepaliveRequests = 1 << 30
	w.Write(body1k)
}

// BenchmarkServe is one request and response over a loopback keep-alive
// connection, client and server in this process, one after the other.
func BenchmarkServe(b *testing.B) {
	h := &testHandler{set: DefaultSettings(), serve: serve1k}
	addr, _ := startServer(b, h)
	benchClient(b, addr)
}

// BenchmarkServeParallel runs one keep-alive connection per goroutine.
func BenchmarkServeParallel(b *testing.B) {
	h := &testHandler{set: DefaultSettings(), serve: serve1k}
	addr, _ := startServer(b, h)
	benchClientParallel(b, addr)
}

// BenchmarkServeNetHTTP is the same exchange against net/http, for scale.
func BenchmarkServeNetHTTP(b *testing.B) {
	addr := startNetHTTP(b)
	benchClient(b, addr)
}

func BenchmarkServeNetHTTPParallel(b *testing.B) {
	addr := startNetHTTP(b)
	benchClientParallel(b, addr)
}

func startNetHTTP(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "weir")
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(body1k)))
		w.Header().Set("Accept-Ranges", "bytes")
		w.Write(body1k)
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// benchConn sends benchRequest and reads one response of a length learnt
// from the first exchange.
type benchConn struct {
	c    net.Conn
	buf  []byte
	size int
}

func dialBench(b *testing.B, addr string) *benchConn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	bc := &benchConn{c: c, buf: make([]byte, 8192)}
	// learn the response size
	c.Write([]byte(benchRequest))
	c.SetReadDeadline(time.Now().Add(time.Second))
	for {
		n, err := c.Read(bc.buf[bc.size:])
		bc.size += n
		if i := bytes.Index(bc.buf[:bc.size], []byte("\r\n\r\n")); i >= 0 && bc.size >= i+4+len(body1k) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	c.SetReadDeadline(time.Time{})
	return bc
}

var benchReq = []byte(benchRequest)

func (bc *benchConn) roundTrip() error {
	if _, err := bc.c.Write(benchReq); err != nil {
		return err
	}
	_, err := io.ReadFull(bc.c, bc.buf[:bc.size])
	return err
}

func benchClient(b *testing.B, addr string) {
	bc := dialBench(b, addr)
	defer bc.c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bc.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchClientParallel(b *testing.B, addr string) {
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		bc := dialBench(b, addr)
		defer bc.c.Close()
		for pb.Next() {
			if err := bc.roundTrip(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
