package cache

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"weir/internal/config"
)

func testZone(t *testing.T, size int64, levels ...int) *Zone {
	t.Helper()
	return newZone(&config.CacheZone{Name: "t", Module: "proxy", Path: t.TempDir(), Levels: levels,
		Size: size, Inactive: 10 * time.Minute, MaxSize: -1})
}

func TestKeyAndFileName(t *testing.T) {
	key, crc := Key("httplocalhost/a")
	k2, crc2 := Key("httplocalhost/a")
	if k2 != key || crc2 != crc {
		t.Fatal("Key is not stable")
	}
	if k3, _ := Key("httplocalhost/b"); k3 == key {
		t.Fatal("two keys, one hash")
	}
	var k [16]byte
	hex.Decode(k[:], []byte("0123456789abcdef0123456789abcdef"))
	z := testZone(t, 1<<20, 1, 2)
	want := z.Conf.Path + "/f/de/0123456789abcdef0123456789abcdef"
	if got := z.FileName(k); got != want {
		t.Fatalf("FileName = %s, want %s (nginx: the last character, then the two before it)", got, want)
	}
	if got := testZone(t, 1<<20).FileName(k); !strings.HasSuffix(got, "/0123456789abcdef0123456789abcdef") || strings.Count(got[len(got)-33:], "/") != 1 {
		t.Fatalf("FileName without levels = %s", got)
	}
}

func TestKnownMD5(t *testing.T) {
	// the MD5 of "" and of "abc" (RFC 1321)
	for in, want := range map[string]string{"": "d41d8cd98f00b204e9800998ecf8427e", "abc": "900150983cd24fb0d6963f7d28e17f72"} {
		k, _ := Key(in)
		if got := hex.EncodeToString(k[:]); got != want {
			t.Errorf("Key(%q) = %s, want %s", in, got, want)
		}
	}
	if _, crc := Key("abc"); crc != 0x352441c2 {
		t.Errorf("crc32(abc) = %#x", crc)
	}
}

func TestHeaderLayout(t *testing.T) {
	h := Header{ValidSec: 100, UpdatingSec: 2, ErrorSec: 3, LastModified: -1, Date: 50, CRC32: 0xdeadbeef,
		HeaderStart: HeaderStart("k"), BodyStart: HeaderStart("k") + 10, ETag: `"e"`, Vary: "Accept", Variant: [16]byte{1, 2}}
	b := h.Append(nil, "k")
	if len(b) != HeaderSize+len("\nKEY: k\n") {
		t.Fatalf("length %d", len(b))
	}
	if string(b[HeaderSize:]) != "\nKEY: k\n" || HeaderStart("k") != len(b) {
		t.Fatalf("key line %q, header start %d", b[HeaderSize:], HeaderStart("k"))
	}
	// nginx's offsets: version 0, valid 8, crc32 48, header_start 54,
	// body_start 56, etag length 58, vary length 187, variant 316
	if b[0] != Version || b[8] != 100 || b[32] != 0xff || b[48] != 0xef || int(b[54])|int(b[55])<<8 != h.HeaderStart || b[58] != 3 || b[187] != 6 || b[316] != 1 {
		t.Fatalf("layout differs: % x", b[:64])
	}
	g, ok := ParseHeader(b)
	if !ok || g != h {
		t.Fatalf("round trip: %+v\nwant %+v", g, h)
	}
	if _, ok := ParseHeader(b[:HeaderSize-1]); ok {
		t.Fatal("a short header parsed")
	}
	b[0] = 4
	if _, ok := ParseHeader(b); ok {
		t.Fatal("another version parsed")
	}
}

func TestUpdateHeader(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	h := Header{ValidSec: 1, LastModified: 7, Date: 1, HeaderStart: HeaderStart("k"), BodyStart: HeaderStart("k"), ETag: "x"}
	if err := os.WriteFile(p, append(h.Append(nil, "k"), "body"...), 0600); err != nil {
		t.Fatal(err)
	}
	h.ValidSec, h.Date = 500, 400
	if err := UpdateHeader(p, &h); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	g, ok := ParseHeader(b)
	if !ok || g.ValidSec != 500 || g.Date != 400 || g.ETag != "x" || !strings.HasSuffix(string(b), "\nKEY: k\nbody") {
		t.Fatalf("after UpdateHeader: %+v %q", g, b[HeaderSize:])
	}
}

// commit stores an entry for key through a temp file, as a response is.
func commit(t *testing.T, z *Zone, key string) *Entry {
	t.Helper()
	k, crc := Key(key)
	e, _, _ := z.Lookup(k, crc, 1)
	f, err := z.NewTemp()
	if err != nil {
		t.Fatal(err)
	}
	h := Header{ValidSec: time.Now().Unix() + 60, CRC32: crc, HeaderStart: HeaderStart(key), BodyStart: HeaderStart(key)}
	f.Write(h.Append(nil, key))
	f.Close()
	if err := e.Commit(f.Name(), h.BodyStart, h.ValidSec); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLRUBound(t *testing.T) {
	z := testZone(t, 3*nodeSize, 1)
	z.cold.Store(false)
	var paths []string
	for _, key := range []string{"a", "b", "c"} {
		e := commit(t, z, key)
		paths = append(paths, e.Path)
		e.Release()
	}
	// "a" used again: "b" is now the least recently used
	ka, ca := Key("a")
	e, _, test := z.Lookup(ka, ca, 1)
	if !test || !e.Exists {
		t.Fatal("a not known")
	}
	e.Release()
	d := commit(t, z, "d")
	d.Release()
	if len(z.nodes) != 3 {
		t.Fatalf("%d nodes, the zone holds 3", len(z.nodes))
	}
	if _, err := os.Stat(paths[1]); !os.IsNotExist(err) {
		t.Fatal("the least recently used entry's file is still there")
	}
	for _, p := range []string{paths[0], paths[2], d.Path} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	// a node a request holds is not evicted
	kc, cc := Key("c")
	held, _, _ := z.Lookup(kc, cc, 1)
	for _, key := range []string{"e", "f", "g"} {
		commit(t, z, key).Release()
	}
	if _, ok := z.nodes[kc]; !ok {
		t.Fatal("a held node was evicted")
	}
	held.Release()
}

func TestLoader(t *testing.T) {
	z := testZone(t, 1<<20, 1, 2)
	z.cold.Store(false)
	e := commit(t, z, "loaded")
	e.Release()
	// stray files the loader leaves alone
	os.WriteFile(z.Conf.Path+"/not-a-key", []byte("x"), 0600)
	os.WriteFile(z.Conf.Path+"/0123456789abcdef0123456789abcdef", []byte("wrong depth"), 0600)

	z2 := newZone(z.Conf)
	z2.load()
	if len(z2.nodes) != 1 {
		t.Fatalf("the loader made %d nodes, want 1", len(z2.nodes))
	}
	k, crc := Key("loaded")
	e2, _, test := z2.Lookup(k, crc, 1)
	if !test || !e2.Exists || e2.BodyStart != HeaderStart("loaded") {
		t.Fatalf("loaded entry: test %v exists %v body start %d", test, e2.Exists, e2.BodyStart)
	}
	e2.Release()
}

func TestMinUsesAndCold(t *testing.T) {
	z := testZone(t, 1<<20)
	k, crc := Key("m")
	e, scarce, test := z.Lookup(k, crc, 2)
	if !scarce || !test {
		t.Fatalf("cold zone, first use: scarce %v test %v (the disk is looked at until the loader ends)", scarce, test)
	}
	e.Release()
	z.cold.Store(false)
	e, scarce, test = z.Lookup(k, crc, 2)
	if scarce || test {
		t.Fatalf("second use of min_uses 2: scarce %v test %v", scarce, test)
	}
	e.Release()
}

func TestCachedError(t *testing.T) {
	z := testZone(t, 1<<20)
	z.cold.Store(false)
	k, crc := Key("err")
	e, _, _ := z.Lookup(k, crc, 1)
	e.CacheError(502, time.Now().Unix()+60)
	e.Release()
	e, _, _ = z.Lookup(k, crc, 1)
	if e.Error != 502 {
		t.Fatalf("Error = %d, want the cached 502", e.Error)
	}
	e.Release()
	z.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	e, _, _ = z.Lookup(k, crc, 1)
	if e.Error != 0 {
		t.Fatal("the cached error outlived its validity")
	}
	e.Release()
	// the node starts again from one use: with min_uses 2 the request
	// after the error is scarce, the next one is not
	e, _, _ = z.Lookup(k, crc, 1)
	e.CacheError(502, z.now().Unix()-1)
	e.Release()
	e, scarce, _ := z.Lookup(k, crc, 2)
	if e.Error != 0 || !scarce {
		t.Fatalf("after the cached error, min_uses 2: error %d scarce %v", e.Error, scarce)
	}
	e.Release()
	e, scarce, _ = z.Lookup(k, crc, 2)
	if scarce {
		t.Fatal("second use after the cached error: scarce")
	}
	e.Release()
}

func TestLock(t *testing.T) {
	z := testZone(t, 1<<20)
	z.cold.Store(false)
	k, crc := Key("l")
	a, _, _ := z.Lookup(k, crc, 1)
	b, _, _ := z.Lookup(k, crc, 1)
	if up, _, _ := a.Lock(time.Minute); !up {
		t.Fatal("the first request does not update")
	}
	up, done, until := b.Lock(time.Minute)
	if up || done == nil || time.Until(until) < 50*time.Second {
		t.Fatalf("the second request: updater %v, lock until %v", up, until)
	}
	a.Release()
	select {
	case <-done:
	default:
		t.Fatal("the waiter was not woken when the holder let go")
	}
	if up, _, _ := b.Lock(time.Minute); !up {
		t.Fatal("the waiter does not take the update after the holder")
	}
	// past the lock age, another takes over
	c, _, _ := z.Lookup(k, crc, 1)
	z.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if up, _, _ := c.Lock(time.Minute); !up {
		t.Fatal("no take-over after the lock age")
	}
	b.Release() // no longer the holder: must not end c's update
	d, _, _ := z.Lookup(k, crc, 1)
	if up, _, _ := d.Lock(time.Minute); up {
		t.Fatal("the old holder ended its successor's update")
	}
	c.Release()
	d.Release()
}

// TestLoaderDelay: the loader runs loaderDelay after start (nginx's cache
// loader process starts a minute after the master); until it has, the
// zone is cold and does not know the files on disk.
func TestLoaderDelay(t *testing.T) {
	defer func(d time.Duration) { loaderDelay = d }(loaderDelay)
	loaderDelay = 100 * time.Millisecond
	z := testZone(t, 1<<20)
	z.cold.Store(false)
	commit(t, z, "on disk").Release()

	z2 := newZone(z.Conf)
	z2.start()
	defer close(z2.stop)
	time.Sleep(20 * time.Millisecond)
	z2.mu.Lock()
	n := len(z2.nodes)
	z2.mu.Unlock()
	if !z2.cold.Load() || n != 0 {
		t.Fatalf("before the delay: cold %v, %d nodes; want cold, none", z2.cold.Load(), n)
	}
	for deadline := time.Now().Add(5 * time.Second); z2.cold.Load() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	z2.mu.Lock()
	n = len(z2.nodes)
	z2.mu.Unlock()
	if z2.cold.Load() || n != 1 {
		t.Fatalf("after the delay: cold %v, %d nodes; want loaded, 1", z2.cold.Load(), n)
	}
}
