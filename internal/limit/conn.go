package limit

import (
	"strings"
	"sync"
)

// ConnZone is one limit_conn_zone: the number of requests in progress
// per key. A key's node lives while its count is above zero.
type ConnZone struct {
	Name string

	mu    sync.Mutex
	nodes map[string]*connNode
	slab  *slab
	Stats Stats // the API's counters
}

type connNode struct {
	key  string
	conn int64
	size int64
}

// NewConnZone makes a zone of size bytes.
func NewConnZone(name string, size int64) *ConnZone {
	// the zone's own context and name (ngx_http_limit_conn_init_zone)
	sl := newSlab(size)
	sl.alloc(24 + 40)
	sl.alloc(int64(len(" in limit_conn_zone \"\"") + 1 + len(name)))
	return &ConnZone{Name: name, nodes: map[string]*connNode{}, slab: sl}
}

// Conn is one limit_conn of a location.
type Conn struct {
	Zone *ConnZone
	Max  int64
}

// Held is a count a request took in a zone, given back by Release.
type Held struct {
	zone *ConnZone
	node *connNode
}

// Acquire is one step of ngx_http_limit_conn_handler: the key's count is
// taken unless it is at max (full = true) or the zone has no room for a
// new key (full = false, ok = false).
func (z *ConnZone) Acquire(key string, max int64) (h Held, ok, full bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	lc := z.nodes[key]
	if lc == nil {
		size := ConnNodeSize(len(key))
		if !z.slab.alloc(size) {
			return Held{}, false, false
		}
		lc = &connNode{key: strings.Clone(key), conn: 1, size: size} // the key may alias a request's buffer
		z.nodes[lc.key] = lc
		return Held{z, lc}, true, false
	}
	if lc.conn >= max {
		return Held{}, false, true
	}
	lc.conn++
	return Held{z, lc}, true, false
}

// Release is ngx_http_limit_conn_cleanup: the count is given back and a
// key nobody counts any more is freed.
func (h Held) Release() {
	z := h.zone
	if z == nil {
		return
	}
	z.mu.Lock()
	lc := h.node
	lc.conn--
	if lc.conn == 0 {
		delete(z.nodes, lc.key)
		z.slab.free(lc.size)
	}
	z.mu.Unlock()
}

// Count is the current count of key.
func (z *ConnZone) Count(key string) int64 {
	z.mu.Lock()
	defer z.mu.Unlock()
	if lc := z.nodes[key]; lc != nil {
		return lc.conn
	}
	return 0
}

// ReqNodeSize is the bytes a limit_req node of a key asks the slab for:
// the rbtree node up to its color (32), the limit_req node up to its data
// (48) and the key.
func ReqNodeSize(keyLen int) int64 { return 32 + 48 + int64(keyLen) }

// ConnNodeSize is the same for limit_conn (32 + 4 and the key).
func ConnNodeSize(keyLen int) int64 { return 32 + 4 + int64(keyLen) }
