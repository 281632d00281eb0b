package http1

import (
	"strings"
	"testing"
)

const benchHead = "HTTP/1.1 200 OK\r\n" +
	"Server: nginx/1.27.0\r\n" +
	"Date: Sat, 21 Nov 2026 07:56:03 GMT\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Length: 612\r\n" +
	"Connection: keep-alive\r\n" +
	"ETag: \"66a1c9f2-264\"\r\n" +
	"\r\n"

func BenchmarkParseHead(b *testing.B) {
	buf := make([]byte, len(benchHead), 4096)
	copy(buf, benchHead)
	var h ResponseHead
	b.SetBytes(int64(len(benchHead)))
	b.ReportAllocs()
	for b.Loop() {
		h.Reset()
		n, done, err := ParseHead(&h, buf)
		if !done || err != nil || n != len(benchHead) {
			b.Fatal(n, done, err)
		}
	}
}

func BenchmarkChunked(b *testing.B) {
	var body []byte
	chunk := []byte(strings.Repeat("x", 1000))
	for range 16 {
		body = AppendChunk(body, chunk)
	}
	body = AppendLastChunk(body)
	var d ChunkedDecoder
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		in := body
		total := 0
		for len(in) > 0 {
			data, n, done, err := d.Decode(in)
			if err != nil {
				b.Fatal(err)
			}
			total += len(data)
			in = in[n:]
			if done {
				break
			}
		}
		if total != 16000 {
			b.Fatal(total)
		}
	}
}
