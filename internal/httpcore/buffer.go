package httpcore

import "sync"

// buf is a pooled byte buffer. It is handed around by pointer so that
// sync.Pool never allocates for it.
type buf struct {
	b    []byte // len == cap == the pool's size
	pool *sync.Pool
}

var (
	poolsMu sync.RWMutex
	pools   = map[int]*sync.Pool{}
)

// bufPool returns the pool of buffers of exactly size bytes. Connections
// look their pools up once, when their settings are known.
func bufPool(size int) *sync.Pool {
	poolsMu.RLock()
	p := pools[size]
	poolsMu.RUnlock()
	if p != nil {
		return p
	}
	poolsMu.Lock()
	defer poolsMu.Unlock()
	if p = pools[size]; p == nil {
		p = &sync.Pool{}
		p.New = func() any { return &buf{b: make([]byte, size), pool: p} }
		pools[size] = p
	}
	return p
}

func getBuf(p *sync.Pool) *buf { return p.Get().(*buf) }

func (b *buf) free() {
	if b != nil {
		b.pool.Put(b)
	}
}

// Output buffers: the response header and small bodies are gathered here
// so that a small response leaves in one write.
const outBufSize = 16 << 10

var outPool = bufPool(outBufSize)
