// Package cache is the upstream response cache of *_cache_path
// (nginx's ngx_http_file_cache.c): a keys zone in memory, bounded by its
// size with the least recently used entries evicted, and one file per
// entry under the cache directory, named by the MD5 of the key with the
// levels layout, so that a cache is purged by removing files as with
// nginx. Files are written to a temp file and renamed into place; a
// loader reads the directory a minute after start, as nginx's does, so
// that entries survive restarts and reloads (until then the disk is
// looked at for every key), and a manager removes inactive entries and
// keeps the directory under max_size.
package cache

import (
	"container/list"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"weir/internal/config"
)

// nodeSize is what one key takes of a keys zone: nginx's node (about 128
// bytes with the slab overhead), so that "keys_zone=one:1m" holds about
// 8 thousand keys as documented.
const nodeSize = 128

// Status is $upstream_cache_status.
type Status uint8

// The cache statuses, named as nginx's ngx_http_cache_status.
const (
	None Status = iota
	Miss
	Bypass
	Expired
	Stale
	Updating
	Revalidated
	Hit
)

var statusNames = [...]string{"", "MISS", "BYPASS", "EXPIRED", "STALE", "UPDATING", "REVALIDATED", "HIT"}

func (s Status) String() string { return statusNames[s] }

// node is one key of the zone (ngx_http_file_cache_node_t).
type node struct {
	key       [16]byte
	uses      int
	count     int // requests holding the node
	exists    bool
	updating  bool
	validSec  int64
	bodyStart int
	fsSize    int64         // bytes on disk, rounded to blocks
	errStatus int           // a 502 or 504 cached until validSec (fcn->error)
	lockUntil time.Time     // the update is another's to make until then (lock_time)
	done      chan struct{} // closed when the request updating the entry lets go
	expire    time.Time
	elem      *list.Element
}

// Zone is one cache: its keys zone and its directory.
type Zone struct {
	Conf *config.CacheZone

	mu       sync.Mutex
	nodes    map[[16]byte]*node
	lru      *list.List // front: most recently used
	maxNodes int
	size     int64 // bytes of the files the zone knows
	cold     atomic.Bool
	temp     atomic.Uint64
	stop     chan struct{}
	now      func() time.Time
	Stats    Stats // the API's counters (stats.go)
}

// registry keeps the zones across reloads: a zone keeps its keys when
// the next configuration declares it with the same name, as nginx keeps
// a shared memory zone.
var registry struct {
	sync.Mutex
	zones map[string]*Zone
}

// Open returns the zones of a configuration, reusing those of the
// previous one by name. A zone whose path or levels changed fails as
// ngx_http_file_cache_init does.
func Open(zs []*config.CacheZone) (map[string]*Zone, error) {
	r := &registry
	r.Lock()
	defer r.Unlock()
	out := map[string]*Zone{}
	for _, c := range zs {
		if old, ok := r.zones[c.Name]; ok {
			if old.Conf.Path != c.Path {
				return nil, fmt.Errorf("cache \"%s\" uses the \"%s\" cache path while previously it used the \"%s\" cache path", c.Name, c.Path, old.Conf.Path)
			}
			if fmt.Sprint(old.Conf.Levels) != fmt.Sprint(c.Levels) {
				return nil, fmt.Errorf("cache \"%s\" had previously different levels", c.Name)
			}
		}
	}
	next := map[string]*Zone{}
	for _, c := range zs {
		z, ok := r.zones[c.Name]
		if ok {
			z.mu.Lock()
			z.Conf = c
			z.maxNodes = max(int(c.Size/nodeSize), 1)
			z.mu.Unlock()
		} else {
			z = newZone(c)
			z.start()
		}
		next[c.Name] = z
		out[c.Name] = z
	}
	for name, z := range r.zones {
		if _, ok := next[name]; !ok {
			close(z.stop)
		}
	}
	r.zones = next
	return out, nil
}

func newZone(c *config.CacheZone) *Zone {
	z := &Zone{Conf: c, nodes: map[[16]byte]*node{}, lru: list.New(),
		maxNodes: max(int(c.Size/nodeSize), 1), stop: make(chan struct{}), now: time.Now}
	z.cold.Store(true)
	z.temp.Store(uint64(time.Now().UnixNano()) % 1000000000)
	return z
}

// Key returns the MD5 of a cache key (the file's name) and its CRC32,
// which the file's header keeps to catch collisions.
func Key(key string) ([16]byte, uint32) {
	return md5.Sum([]byte(key)), crc32.ChecksumIEEE([]byte(key))
}

// FileName is the entry's path: the hex MD5 under directories named by
// its last characters, levels as ngx_create_hashed_filename makes them.
func (z *Zone) FileName(key [16]byte) string {
	name := hex.EncodeToString(key[:])
	return z.Conf.Path + "/" + levelDirs(z.Conf.Levels, name) + name
}

func levelDirs(levels []int, name string) string {
	dirs := ""
	end := len(name)
	for _, l := range levels {
		dirs += name[end-l:end] + "/"
		end -= l
	}
	return dirs
}

// Entry is one request's hold on a key.
type Entry struct {
	z         *Zone
	n         *node
	Key       [16]byte
	CRC       uint32
	Path      string
	Exists    bool // the node says a file is there
	BodyStart int
	Updating  bool          // this request updates the entry (it found it stale)
	Error     int           // the 502 or 504 the key answers for now, not the file
	done      chan struct{} // the update this request holds
}

// takeUpdate makes e the request updating its node; the zone's lock is
// held.
func (e *Entry) takeUpdate(until time.Time) {
	n := e.n
	if n.done != nil {
		// taken over from a holder past its lock age: its waiters
		// look again
		close(n.done)
	}
	n.updating, n.lockUntil, n.done = true, until, make(chan struct{})
	e.Updating, e.done = true, n.done
}

// endUpdate ends the update e holds, if it still holds it (another may
// have taken it over after *_cache_lock_age), waking those that wait
// for it; the zone's lock is held.
func (e *Entry) endUpdate() {
	if !e.Updating {
		return
	}
	e.Updating = false
	if n := e.n; n.done == e.done {
		n.updating = false
		close(n.done)
		n.done = nil
	}
	e.done = nil
}

// Lock is ngx_http_file_cache_lock for a key without a file: the first
// request (or one coming after age has passed since the holder took it)
// updates the entry and gets updater; the others get the channel closed
// when the holder lets go and the time at which they may take over.
func (e *Entry) Lock(age time.Duration) (updater bool, done <-chan struct{}, until time.Time) {
	z := e.z
	z.mu.Lock()
	defer z.mu.Unlock()
	n := e.n
	now := z.now()
	if e.Updating {
		return true, nil, time.Time{}
	}
	if !n.updating || !now.Before(n.lockUntil) {
		e.takeUpdate(now.Add(age))
		return true, nil, time.Time{}
	}
	return false, n.done, n.lockUntil
}

// Lookup is ngx_http_file_cache_exists: the key's node is found or made
// (the zone's least recently used nodes go when it is full), its use
// counted. It reports scarce when the key was not used min_uses times
// yet, and test when the file is to be looked at (the node knows it
// exists, or the zone is still loading).
func (z *Zone) Lookup(key [16]byte, crc uint32, minUses int) (e *Entry, scarce, test bool) {
	now := z.now()
	z.mu.Lock()
	defer z.mu.Unlock()
	n := z.nodes[key]
	cold := z.cold.Load()
	if n == nil {
		z.evictFor(1)
		n = &node{key: key, uses: 1}
		n.elem = z.lru.PushFront(n)
		z.nodes[key] = n
	} else {
		n.uses++
		z.lru.MoveToFront(n.elem)
	}
	n.count++
	n.expire = now.Add(z.Conf.Inactive)
	if n.errStatus != 0 && n.validSec < now.Unix() {
		// the cached error is over: the node starts again, its file
		// forgotten and its uses counted from this one (the "renew" of
		// ngx_http_file_cache_exists), so with min_uses 2 this request
		// is not cached
		if n.exists {
			z.size -= n.fsSize
		}
		n.errStatus, n.exists, n.validSec, n.bodyStart, n.fsSize = 0, false, 0, 0, 0
		n.uses = 1
	}
	e = &Entry{z: z, n: n, Key: key, CRC: crc, Path: z.FileName(key), Exists: n.exists, BodyStart: n.bodyStart, Error: n.errStatus}
	switch {
	case n.errStatus != 0:
		return e, false, false
	case n.exists:
		return e, false, true
	case n.uses >= minUses:
		return e, false, cold
	case cold:
		return e, true, true
	}
	return e, true, false
}

// evictFor makes room for k more nodes: the least recently used nodes
// no request holds go, with their files (ngx_http_file_cache_forced_expire).
// The zone's lock is held.
func (z *Zone) evictFor(k int) {
	for el := z.lru.Back(); el != nil && len(z.nodes)+k > z.maxNodes; {
		prev := el.Prev()
		n := el.Value.(*node)
		if n.count == 0 {
			z.removeLocked(n, true)
		}
		el = prev
	}
}

// removeLocked forgets a node, deleting its file when asked.
func (z *Zone) removeLocked(n *node, file bool) {
	z.lru.Remove(n.elem)
	delete(z.nodes, n.key)
	if n.exists {
		z.size -= n.fsSize
		if file {
			os.Remove(z.FileName(n.key))
		}
	}
}

// Found records what the file said when the node did not know it (a
// file the loader had not reached yet); it reports whether the entry
// is stale, and whether another request updates it already.
func (e *Entry) Found(bodyStart int, fsSize, validSec int64) (stale, updating bool) {
	z := e.z
	z.mu.Lock()
	defer z.mu.Unlock()
	n := e.n
	if !n.exists {
		n.exists, n.bodyStart, n.fsSize, n.uses = true, bodyStart, fsSize, 1
		z.size += fsSize
	}
	n.validSec = validSec
	if validSec >= z.now().Unix() {
		return false, false
	}
	if e.Updating && n.done == e.done {
		// the update was handed to this request (HandOver)
		return true, false
	}
	if n.updating {
		return true, true
	}
	// the lock time stays (ngx_http_file_cache_read)
	e.takeUpdate(n.lockUntil)
	return true, false
}

// HandOver gives the update e holds to another request's entry of the
// same key (*_cache_background_update: the request that found the entry
// stale answers with it, a background subrequest fetches it again).
func (e *Entry) HandOver(to *Entry) {
	z := e.z
	z.mu.Lock()
	defer z.mu.Unlock()
	if !e.Updating || e.n.done != e.done || to.n != e.n {
		return
	}
	to.Updating, to.done = true, e.done
	e.Updating, e.done = false, nil
}

// Release ends the request's hold on the entry; an update it did not
// finish is given up.
func (e *Entry) Release() {
	if e == nil || e.z == nil {
		return
	}
	z := e.z
	z.mu.Lock()
	e.endUpdate()
	e.n.count--
	z.mu.Unlock()
	e.z = nil
}

// CacheError makes the key answer status (a 502 or 504 of an upstream
// that failed) until validSec without the upstream being asked, as
// ngx_http_file_cache_free keeps c->error in the node.
func (e *Entry) CacheError(status int, validSec int64) {
	z := e.z
	z.mu.Lock()
	e.n.errStatus, e.n.validSec = status, validSec
	z.mu.Unlock()
}

// Gone records that the entry's file disappeared (purged by hand).
func (e *Entry) Gone() {
	z := e.z
	z.mu.Lock()
	if e.n.exists {
		e.n.exists = false
		z.size -= e.n.fsSize
	}
	z.mu.Unlock()
}

// NewTemp creates a temp file for a response being cached, in the cache
// directory (as use_temp_path=off), named by a 10-digit number as
// nginx's temp files are.
func (z *Zone) NewTemp() (*os.File, error) {
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("%s/%010d", z.Conf.Path, z.temp.Add(1)%10000000000)
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0600)
		if os.IsExist(err) {
			continue
		}
		if os.IsNotExist(err) {
			if err := os.MkdirAll(z.Conf.Path, 0700); err != nil {
				return nil, err
			}
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("cannot create a temp file in %s", z.Conf.Path)
}

// Commit renames a complete temp file into place and records the entry
// (ngx_http_file_cache_update); the directories of the levels are made
// as needed.
func (e *Entry) Commit(tmp string, bodyStart int, validSec int64) error {
	z := e.z
	if err := os.Rename(tmp, e.Path); err != nil {
		if !os.IsNotExist(err) {
			os.Remove(tmp)
			return err
		}
		if err := os.MkdirAll(filepath.Dir(e.Path), 0700); err != nil {
			os.Remove(tmp)
			return err
		}
		if err := os.Rename(tmp, e.Path); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	fsSize := int64(0)
	if fi, err := os.Stat(e.Path); err == nil {
		fsSize = diskSize(fi)
	}
	z.mu.Lock()
	n := e.n
	if n.exists {
		z.size -= n.fsSize
	}
	n.exists, n.bodyStart, n.fsSize, n.validSec = true, bodyStart, fsSize, validSec
	z.size += fsSize
	e.endUpdate()
	z.mu.Unlock()
	e.Exists, e.BodyStart = true, bodyStart
	return nil
}

// Uses reports how many times the entry's key was asked for.
func (e *Entry) Uses() int {
	e.z.mu.Lock()
	defer e.z.mu.Unlock()
	return e.n.uses
}
