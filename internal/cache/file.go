package cache

import (
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// The file of an entry is laid out as nginx 1.22 writes it
// (ngx_http_file_cache_header_t, version 5, on a 64-bit little-endian
// machine), so that the files of either server are read by the other:
// the fixed header, "\nKEY: " and the key and "\n", the upstream's
// response header as it came, then the body.

// Version is NGX_HTTP_CACHE_VERSION.
const Version = 5

// HeaderSize is sizeof(ngx_http_file_cache_header_t).
const HeaderSize = 336

// Header is the fixed header of an entry's file.
type Header struct {
	ValidSec     int64
	UpdatingSec  int64
	ErrorSec     int64
	LastModified int64
	Date         int64
	CRC32        uint32
	HeaderStart  int
	BodyStart    int
	ETag         string
	Vary         string
	Variant      [16]byte
}

// KeyPrefix is what goes before the key.
const KeyPrefix = "\nKEY: "

// HeaderStart is where the response header starts for a key.
func HeaderStart(key string) int { return HeaderSize + len(KeyPrefix) + len(key) + 1 }

// Append appends the fixed header and the key line.
func (h *Header) Append(b []byte, key string) []byte {
	var buf [HeaderSize]byte
	le := binary.LittleEndian
	h.putTimes(buf[:])
	le.PutUint32(buf[48:], h.CRC32)
	le.PutUint16(buf[54:], uint16(h.HeaderStart))
	le.PutUint16(buf[56:], uint16(h.BodyStart))
	if len(h.ETag) <= 128 {
		buf[58] = byte(len(h.ETag))
		copy(buf[59:], h.ETag)
	}
	if len(h.Vary) <= 128 {
		buf[187] = byte(len(h.Vary))
		copy(buf[188:], h.Vary)
		copy(buf[316:], h.Variant[:])
	}
	b = append(b, buf[:]...)
	b = append(b, KeyPrefix...)
	b = append(b, key...)
	return append(b, '\n')
}

// ParseHeader reads the fixed header; ok is false for a file too short
// or of another version.
func ParseHeader(b []byte) (h Header, ok bool) {
	if len(b) < HeaderSize {
		return h, false
	}
	le := binary.LittleEndian
	if le.Uint64(b[0:]) != Version {
		return h, false
	}
	h.ValidSec = int64(le.Uint64(b[8:]))
	h.UpdatingSec = int64(le.Uint64(b[16:]))
	h.ErrorSec = int64(le.Uint64(b[24:]))
	h.LastModified = int64(le.Uint64(b[32:]))
	h.Date = int64(le.Uint64(b[40:]))
	h.CRC32 = le.Uint32(b[48:])
	h.HeaderStart = int(le.Uint16(b[54:]))
	h.BodyStart = int(le.Uint16(b[56:]))
	h.ETag = string(b[59 : 59+int(min(b[58], 128))])
	h.Vary = string(b[188 : 188+int(min(b[187], 128))])
	copy(h.Variant[:], b[316:332])
	return h, true
}

// UpdateHeader rewrites the times of an entry's file in place
// (ngx_http_file_cache_update_header, after a revalidation): its valid,
// updating and error times and its date.
func UpdateHeader(path string, h *Header) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	var b [timesSize]byte
	h.putTimes(b[:])
	_, err = f.WriteAt(b[:], 0)
	return err
}

// timesSize is the version and the times at the head of the header.
const timesSize = 48

// putTimes puts the version and the times into b.
func (h *Header) putTimes(b []byte) {
	le := binary.LittleEndian
	le.PutUint64(b[0:], Version)
	le.PutUint64(b[8:], uint64(h.ValidSec))
	le.PutUint64(b[16:], uint64(h.UpdatingSec))
	le.PutUint64(b[24:], uint64(h.ErrorSec))
	le.PutUint64(b[32:], uint64(h.LastModified))
	le.PutUint64(b[40:], uint64(h.Date))
}

// diskSize is the space a file takes, in whole blocks as nginx counts
// it against max_size.
func diskSize(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return (fi.Size() + 4095) &^ 4095
}

// loaderDelay is how long after start the loader runs: nginx starts its
// cache loader process a minute after the master (ngx_cache_loader_ctx),
// and until it has read the directory the zone is cold, every request
// looking at the disk for its file (ngx_http_file_cache_open's test).
var loaderDelay = time.Minute

// start runs the manager, and the loader after loaderDelay, in the
// background.
func (z *Zone) start() {
	go z.manage()
	go func() {
		t := time.NewTimer(loaderDelay)
		defer t.Stop()
		select {
		case <-z.stop:
			return
		case <-t.C:
		}
		z.load()
		z.cold.Store(false)
	}()
}

// load is the cache loader (ngx_http_file_cache_loader): every file of
// the directory whose name is a key at the right depth becomes a node;
// the rest is left alone.
func (z *Zone) load() {
	depth := len(z.Conf.Levels)
	root := z.Conf.Path
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		select {
		case <-z.stop:
			return filepath.SkipAll
		default:
		}
		if err != nil || d.IsDir() {
			return nil
		}
		name := d.Name()
		rel, _ := filepath.Rel(root, p)
		if len(name) != 32 || countSep(rel) != depth {
			return nil
		}
		var key [16]byte
		if _, err := hexDecode(key[:], name); err != nil {
			return nil
		}
		if filepath.Clean(z.FileName(key)) != filepath.Clean(p) {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return nil
		}
		var buf [HeaderSize]byte
		n, _ := f.ReadAt(buf[:], 0)
		fi, serr := f.Stat()
		f.Close()
		h, ok := ParseHeader(buf[:n])
		if !ok || serr != nil {
			return nil
		}
		z.mu.Lock()
		if _, known := z.nodes[key]; !known && len(z.nodes) < z.maxNodes {
			nd := &node{key: key, uses: 1, exists: true, validSec: h.ValidSec, bodyStart: h.BodyStart,
				fsSize: diskSize(fi), expire: z.now().Add(z.Conf.Inactive)}
			nd.elem = z.lru.PushBack(nd)
			z.nodes[key] = nd
			z.size += nd.fsSize
		}
		z.mu.Unlock()
		return nil
	})
}

func countSep(p string) int {
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			n++
		}
	}
	return n
}

func hexDecode(dst []byte, s string) (int, error) {
	for i := 0; i < len(dst); i++ {
		a, ok1 := fromHex(s[2*i])
		b, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return i, fs.ErrInvalid
		}
		dst[i] = a<<4 | b
	}
	return len(dst), nil
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// manage is the cache manager (ngx_http_file_cache_manager): entries
// not used for inactive go, then the least recently used ones while the
// files take more than max_size.
func (z *Zone) manage() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-z.stop:
			return
		case <-t.C:
		}
		z.expire()
	}
}

// expire is one turn of the manager.
func (z *Zone) expire() {
	now := z.now()
	z.mu.Lock()
	defer z.mu.Unlock()
	for el := z.lru.Back(); el != nil; {
		prev := el.Prev()
		n := el.Value.(*node)
		over := z.Conf.MaxSize >= 0 && z.size > z.Conf.MaxSize
		if n.count == 0 && (now.After(n.expire) || over) {
			z.removeLocked(n, true)
		} else if !over {
			// the rest was used more recently
			if !now.After(n.expire) {
				break
			}
		}
		el = prev
	}
}
