package httpcore

import (
	"compress/gzip"
	"io"
	"os"
	"sync"
)

// gzState is the compressor of one response whose header filter set
// Response.Gzip (nginx's gzip body filter): the body given to Write and
// SendFile goes through a gzip stream, and what comes out is gathered and
// sent as body bytes, chunked when the length is unknown.
type gzState struct {
	zw    *gzip.Writer
	level int
	o     *outWriter
	buf   []byte // compressed bytes not yet passed on
	rbuf  []byte // file reads for SendFile
	in    int64
	out   int64
}

// gzEmitAt is how much compressed output is gathered before it is passed
// on as one piece (one chunk).
const gzEmitAt = 16 << 10

// gzPools holds reusable compressors, one pool per compression level.
var gzPools [10]sync.Pool

// Write takes the compressor's output.
func (g *gzState) Write(p []byte) (int, error) {
	g.out += int64(len(p))
	g.buf = append(g.buf, p...)
	if len(g.buf) >= gzEmitAt {
		g.emit()
	}
	return len(p), nil
}

// emit passes the gathered compressed bytes on as body.
func (g *gzState) emit() {
	o := g.o
	if len(g.buf) > 0 && o.err == nil {
		if o.chunked {
			o.writeChunk(g.buf)
		} else {
			o.writeRaw(g.buf)
		}
	}
	g.buf = g.buf[:0]
}

// gzStart begins compressing the body at level (1..9).
func (o *outWriter) gzStart(level int) {
	if level < 1 || level > 9 {
		level = 1
	}
	g, _ := gzPools[level].Get().(*gzState)
	if g == nil {
		g = &gzState{level: level, buf: make([]byte, 0, gzEmitAt+512)}
		g.zw, _ = gzip.NewWriterLevel(g, level)
	} else {
		g.zw.Reset(g)
	}
	// zlib's header: no mtime, OS 3 (unix)
	g.zw.Header.OS = 3
	g.o, g.in, g.out = o, 0, 0
	o.gz = g
}

func (o *outWriter) gzWrite(p []byte) {
	o.gz.in += int64(len(p))
	_, _ = o.gz.zw.Write(p)
}

// gzFile compresses n bytes of f from off.
func (o *outWriter) gzFile(f *os.File, off, n int64) error {
	g := o.gz
	if g.rbuf == nil {
		g.rbuf = make([]byte, 32<<10)
	}
	return o.readParts(f, off, n, g.rbuf, o.gzWrite)
}

// readParts reads n bytes of f from off through buf, part by part, and
// hands each to use; a file that ends early makes the body incomplete.
func (o *outWriter) readParts(f *os.File, off, n int64, buf []byte, use func([]byte)) error {
	for n > 0 && o.err == nil {
		k := min(n, int64(len(buf)))
		m, err := f.ReadAt(buf[:k], off)
		if m > 0 {
			use(buf[:m])
		}
		off += int64(m)
		n -= int64(m)
		if int64(m) < k {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			o.incomplete = true
			return err
		}
	}
	return o.err
}

// gzFlush is a sync flush: everything written so far leaves now, as
// nginx flushes the stream for an unbuffered upstream's data.
func (o *outWriter) gzFlush() {
	_ = o.gz.zw.Flush()
	o.gz.emit()
}

// gzClose ends the stream, passes the rest on, and returns the
// compressor to its pool.
func (o *outWriter) gzClose(complete bool) {
	g := o.gz
	if complete {
		_ = g.zw.Close()
		g.emit()
	}
	o.gzIn, o.gzOut = g.in, g.out
	g.buf = g.buf[:0]
	g.o = nil
	g.zw.Reset(io.Discard)
	gzPools[g.level].Put(g)
	o.gz = nil
}

// GzipSizes returns the bytes that went into the compressor and came
// out of it (gzip header and trailer included), for $gzip_ratio; 0, 0
// when the body was not compressed or is not finished.
func (w *Response) GzipSizes() (in, out int64) {
	o := &w.impl.s.out
	return o.gzIn, o.gzOut
}
