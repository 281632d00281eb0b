package httpd

import (
	"crypto/md5"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"weir/internal/cache"
	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/proto/fastcgi"
	"weir/internal/static"
	"weir/internal/upstream"
)

// cacheState is one request's use of the upstream cache (r->cache and
// the cache fields of ngx_http_upstream_t).
type cacheState struct {
	zone      *cache.Zone
	entry     *cache.Entry
	key       string
	main      [16]byte // the key's MD5 (c->main)
	secondary bool     // entry is a variant's own, named by its vary hash
	status    cache.Status
	cacheable bool  // u->cacheable: the response may be stored
	get       bool  // HEAD converted to GET (*_cache_convert_head)
	validSec  int64 // from the response's headers; 0: from *_cache_valid
	xaExpires bool  // X-Accel-Expires was seen

	// u->cacheable as the upstream's headers left it, before *_no_cache
	// and *_cache_valid: r->disable_not_modified is its negation
	hdrCacheable bool

	// a file being served (HIT, STALE, UPDATING)
	file     *os.File
	bodyOff  int64
	bodyLen  int64
	lastMod  int64 // -1: none
	etag     string
	ranges   bool // the upstream sent Accept-Ranges: the range filter applies
	hasStale bool // an expired file was found: *_cache_use_stale may serve it
	staleHdr cache.Header

	// the stored stale-while-revalidate and stale-if-error still cover
	// the expired file (c->stale_updating, c->stale_error)
	staleUpdating, staleError bool

	// the file being written
	tmp     *os.File
	written int64 // body bytes written
	header  cache.Header
	failed  bool
	stored  bool // the file was put in place (the API's *_written)
}

// release closes what the request held.
func (cs *cacheState) release() {
	if cs.file != nil {
		cs.file.Close()
		cs.file = nil
	}
	if cs.tmp != nil {
		name := cs.tmp.Name()
		cs.tmp.Close()
		os.Remove(name)
		cs.tmp = nil
	}
	cs.entry.Release()
}

// cacheStatusVar is $upstream_cache_status.
func (q *request) cacheStatusVar() (string, bool) {
	if q.px == nil || q.px.cs == nil || q.px.cs.status == cache.None {
		return "", false
	}
	return q.px.cs.status.String(), true
}

// anyTrue is ngx_http_test_predicates on *_cache_bypass (or *_no_cache
// with no): true when a value is neither empty nor "0".
func (q *request) anyTrue(cc *config.CacheConf, no bool) bool {
	list := cc.Bypass.V
	if no {
		list = cc.NoCache.V
	}
	for _, v := range list {
		if s := q.eval(v); s != "" && s != "0" {
			return true
		}
	}
	return false
}

// cacheMethod maps a method to its *_cache_methods bit.
func cacheMethod(m string) uint32 {
	switch m {
	case "GET":
		return config.CacheGET
	case "HEAD":
		return config.CacheHEAD
	case "POST":
		return config.CachePOST
	}
	return 0
}

// cacheStart is ngx_http_upstream_cache: it finds the request's cache
// and key, and answers from the cache when the entry is fresh (or stale
// and another request updates it, with *_cache_use_stale updating). It
// reports whether the request was answered.
func (q *request) cacheStart() bool {
	px := q.px
	cc := &px.uc.Cache
	ref := cc.Cache.V
	module := cacheModule(px.tr)
	if ref == nil || module == "" || cacheMethod(q.method)&cc.Methods.V == 0 {
		return false
	}
	z := ref.Zone
	var zone *cache.Zone
	if z == nil {
		name := q.eval(ref.Value)
		if name == "" || name == "off" {
			return false
		}
		zone = q.snap.caches[name]
		if zone == nil || zone.Conf.Module != module {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "cache \"%s\" not found%s", name, q.logSuffix())
			q.respondStatus(500)
			return true
		}
	} else {
		zone = q.snap.caches[z.Name]
	}
	if zone == nil {
		return false
	}
	cs := &cacheState{zone: zone}
	if q.method == "HEAD" && cc.ConvertHead.V {
		cs.get = true
	}
	cs.key = q.eval(cc.Key.V)
	if start := cache.HeaderStart(cs.key); int64(start+256) >= px.uc.BufferSize.V {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "proxy_buffer_size %d is not enough for cache key, it should be increased to at least %d%s",
			px.uc.BufferSize.V, (start+256+1023)&^1023, q.logSuffix())
		return false
	}
	px.cs = cs
	cs.cacheable = true
	if q.anyTrue(cc, false) {
		cs.status = cache.Bypass
		return false
	}
	cs.status = cache.Miss
	key, crc := cache.Key(cs.key)
	var e *cache.Entry
	var scarce, test bool
	cs.main = key
	if q.bgUp != nil && q.bgUp.entry != nil {
		// the update handed over by the request that served the stale
		// file (a variant's own entry, maybe)
		e, test = q.bgUp.entry, true
		q.bgUp.entry = nil
		cs.secondary = e.Key != key
	} else {
		e, scarce, test = zone.Lookup(key, crc, int(cc.MinUses.V))
	}
	cs.entry = e
	if e.Error != 0 {
		// a cached 502 or 504 (ngx_http_upstream_cache's default case)
		cs.status = cache.Hit
		q.respondStatus(e.Error)
		return true
	}
	if scarce && !test {
		cs.cacheable = false
		return false
	}
	res := cacheDeclined
	if test {
		res = q.cacheOpen(cs, scarce)
	}
	if res == cacheDeclined && cc.Lock.V {
		res = q.cacheLock(cs)
	}
	switch res {
	case cacheHit:
		cs.status = cache.Hit
		return q.cacheSend()
	case cacheErrorHit:
		cs.status = cache.Hit
		q.respondStatus(cs.entry.Error)
		return true
	case cacheUpdating:
		if (cc.UseStale.V&config.NextUpdating != 0 || cs.staleUpdating) && q.bgUp == nil {
			cs.status = cache.Updating
			return q.cacheSend()
		}
		cs.status = cache.Expired
		q.cacheStale(cs)
	case cacheStale:
		if (cc.UseStale.V&config.NextUpdating != 0 || cs.staleUpdating) && q.bgUp == nil && cc.BackgroundUpdate.V {
			return q.cacheBackgroundUpdate(cs, cs.entry.Key, crc)
		}
		cs.status = cache.Expired
		q.cacheStale(cs)
	case cacheScarce:
		cs.cacheable = false
	}
	if cs.cacheable && q.rangeTooFar(cc) {
		cs.cacheable = false
	}
	return false
}

// bgUpdate marks a background update subrequest, with the entry whose
// update it was handed until its cache lookup takes it.
type bgUpdate struct{ entry *cache.Entry }

// cacheBackgroundUpdate is *_cache_background_update
// (ngx_http_upstream_cache_background_update): a stale entry that may be
// served while it is updated (*_cache_use_stale updating, or its
// stale-while-revalidate) is sent at once, STALE, and a clone subrequest
// of the request, running in the background with the update handed to
// it, fetches it again into the cache (its body going nowhere else). As
// with mirror, the request ends (its log line, the next keep-alive
// request) only once the update is done.
func (q *request) cacheBackgroundUpdate(cs *cacheState, key [16]byte, crc uint32) bool {
	s := q.newSubrequest(q.uri, q.args, q.argsSet, q.method)
	s.headerOnly = false // (the body is read, for the cache)
	s.loc, s.lc = q.loc, q.lc
	s.user = append([]string(nil), q.user...)
	s.userSet = append([]bool(nil), q.userSet...)
	e, _, _ := cs.zone.Lookup(key, crc, 0)
	cs.entry.HandOver(e)
	s.bgUp = &bgUpdate{entry: e}
	if q.bg == nil {
		q.bg = &sync.WaitGroup{}
		q.w.SendAtFinish()
	}
	cs.status = cache.Stale
	if !q.cacheSend() {
		q.respondStatus(500)
	}
	q.bg.Add(1)
	go func() {
		defer q.bg.Done()
		s.runClone()
		if s.bgUp.entry != nil {
			s.bgUp.entry.Release()
		}
		s.release()
	}()
	return true
}

// cacheLock is *_cache_lock (ngx_http_file_cache_lock and its wait
// handler): a miss that another request is fetching waits for it, up to
// *_cache_lock_timeout, then looks at the file again. The holder's lock
// lasts *_cache_lock_age, after which a waiter takes over. A request
// that timed out goes to the upstream without caching (SCARCE), as one
// with a timeout of 0 at once.
func (q *request) cacheLock(cs *cacheState) openResult {
	cc := &q.px.uc.Cache
	deadline := time.Now().Add(cc.LockTimeout.V)
	timedOut := false
	for {
		updater, done, until := cs.entry.Lock(cc.LockAge.V)
		switch {
		case updater:
			return cacheDeclined
		case timedOut || cc.LockTimeout.V == 0:
			return cacheScarce
		}
		wake := until
		if deadline.Before(wake) {
			wake = deadline
		}
		t := time.NewTimer(time.Until(wake))
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
		if !time.Now().Before(deadline) {
			q.log().Logf(errlog.Info, q.r.Conn.ID, "cache lock timeout%s", q.logSuffix())
			timedOut = true
		}
		if res := q.cacheOpen(cs, false); res != cacheDeclined {
			return res
		}
	}
}

// cacheRequestHeaders are the client's headers a request that may be
// cached does not pass (ngx_http_proxy_cache_headers): the whole
// response is fetched and the conditions are checked against it.
var cacheRequestHeaders = [...]string{"if-modified-since", "if-unmodified-since", "if-none-match", "if-match", "range", "if-range"}

func cacheRequestHeader(name string) bool {
	for _, h := range cacheRequestHeaders {
		if httpcore.EqualFold(name, h) {
			return true
		}
	}
	return false
}

// appendCacheHeaders appends the conditions of *_cache_revalidate, for an
// expired entry, unless proxy_set_header names them: If-Modified-Since
// ($upstream_cache_last_modified) and If-None-Match
// ($upstream_cache_etag) of the stored response.
func (q *request) appendCacheHeaders(b []byte, set func(string) bool) []byte {
	if lm, ok := q.cacheLastModifiedVar(); ok && !set("if-modified-since") {
		b = appendHeader(b, "If-Modified-Since", lm)
	}
	if et, ok := q.cacheETagVar(); ok && !set("if-none-match") {
		b = appendHeader(b, "If-None-Match", et)
	}
	return b
}

// revalidating reports whether the request asks the upstream about an
// expired entry with *_cache_revalidate: the stored validators are then
// $upstream_cache_last_modified and $upstream_cache_etag.
func (q *request) revalidating() bool {
	px := q.px
	return px != nil && px.cs != nil && px.uc.Cache.Revalidate.V && px.cs.status == cache.Expired
}

// cacheLastModifiedVar is $upstream_cache_last_modified
// (ngx_http_upstream_cache_last_modified): the stored Last-Modified of
// an expired entry being revalidated.
func (q *request) cacheLastModifiedVar() (string, bool) {
	if !q.revalidating() || q.px.cs.staleHdr.LastModified == -1 {
		return "", false
	}
	return time.Unix(q.px.cs.staleHdr.LastModified, 0).UTC().Format(httpTimeLayout), true
}

// cacheETagVar is $upstream_cache_etag (ngx_http_upstream_cache_etag).
func (q *request) cacheETagVar() (string, bool) {
	if !q.revalidating() || q.px.cs.staleHdr.ETag == "" {
		return "", false
	}
	return q.px.cs.staleHdr.ETag, true
}

const httpTimeLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

// cacheRevalidate is the revalidation of ngx_http_upstream_test_next: a
// 304 to the conditions of an expired entry serves the file, REVALIDATED,
// and makes it valid again for what the 304's headers say, else the
// stored response's, else *_cache_valid for its status; it reports
// whether it did.
func (q *request) cacheRevalidate(peer *upstream.Peer) bool {
	px := q.px
	cs := px.cs
	if cs == nil || cs.status != cache.Expired || cs.file == nil || px.head.Status != 304 || !px.uc.Cache.Revalidate.V {
		return false
	}
	q.cacheHeaders()
	valid, updating, errSec := cs.validSec, cs.header.UpdatingSec, cs.header.ErrorSec
	q.finishUpstream(peer, px.hlen == px.hdone, 0)
	cs.validSec, cs.xaExpires, cs.header = 0, false, cache.Header{}
	cs.status = cache.Revalidated
	path := cs.entry.Path
	now := time.Now().Unix()
	// the stored header is processed again as a hit's, which gives the
	// validity it says
	h := cs.staleHdr
	if !q.cacheSend() {
		q.respondStatus(500)
		return true
	}
	if valid == 0 {
		valid, updating, errSec = cs.validSec, cs.header.UpdatingSec, cs.header.ErrorSec
	}
	if valid == 0 {
		if v := cacheValid(px.uc.Cache.Valid.V, px.head.Status); v != 0 {
			valid = now + v
		}
	}
	if valid != 0 {
		h.ValidSec, h.UpdatingSec, h.ErrorSec, h.Date = valid, updating, errSec, now
		if err := cache.UpdateHeader(path, &h); err != nil {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() \"%s\" failed %s%s", path, errlog.SysError(err), q.logSuffix())
		}
	}
	return true
}

// cacheModule is the module whose *_cache_path zones a transport's
// requests use; "" for those without a cache (memcached, grpc).
func cacheModule(tr *transport) string {
	switch tr {
	case &httpTransport:
		return "proxy"
	case &fastcgiTransport:
		return "fastcgi"
	case &uwsgiTransport:
		return "uwsgi"
	case &scgiTransport:
		return "scgi"
	}
	return ""
}

// fcgiStoredHead frames a FastCGI answer's head as the STDOUT records
// it came in: nginx stores the upstream's bytes as read, records and
// all, and parses them again on a hit. A head within its first record
// keeps that record's header (whose lengths count the body that
// follows); a longer one is framed in records of its own.
func fcgiStoredHead(head []byte, first [2]int) []byte {
	out := make([]byte, 0, len(head)+8)
	if len(head) <= first[0] {
		out = fastcgi.AppendRecordHeader(out, fastcgi.TypeStdout, 1, first[0], first[1])
		return append(out, head...)
	}
	for len(head) > 0 {
		n := min(len(head), 0xffff)
		out = fastcgi.AppendRecordHeader(out, fastcgi.TypeStdout, 1, n, 0)
		out = append(out, head[:n]...)
		head = head[n:]
	}
	return out
}

// fcgiStoredPayload is the STDOUT data of the records of a stored head
// (nginx's own, whose last record goes on into the body, or weir's),
// in place.
func fcgiStoredPayload(raw []byte) []byte {
	out := raw[:0]
	for len(raw) >= 8 {
		n := int(raw[4])<<8 | int(raw[5])
		end := min(8+n, len(raw))
		if raw[1] == fastcgi.TypeStdout {
			out = append(out, raw[8:end]...)
		}
		raw = raw[min(end+int(raw[6]), len(raw)):]
	}
	return out
}

// cacheStale keeps an expired entry's file for *_cache_use_stale while
// the upstream is asked again.
func (q *request) cacheStale(cs *cacheState) {
	useStale := q.px.uc.Cache.UseStale.V&^config.NextOff != 0 || cs.staleError
	if cs.file != nil && (useStale || q.px.uc.Cache.Revalidate.V) {
		// (kept for *_cache_revalidate too)
		cs.hasStale = useStale
		return
	}
	if cs.file != nil {
		cs.file.Close()
		cs.file = nil
	}
}

// rangeTooFar is ngx_http_upstream_cache_check_range: a range that
// starts at *_cache_max_range_offset or later is not worth caching for.
func (q *request) rangeTooFar(cc *config.CacheConf) bool {
	limit := cc.MaxRangeOffset.V
	rng, ok := httpcore.FieldValue(q.r.Headers, "range")
	if !ok || limit < 0 {
		return false
	}
	if limit == 0 {
		return true
	}
	if len(rng) < 7 || !strings.EqualFold(rng[:6], "bytes=") {
		return false
	}
	p := strings.TrimLeft(rng[6:], " ")
	if strings.HasPrefix(p, "-") {
		return true
	}
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	off, _ := strconv.ParseInt(p[:i], 10, 64)
	return off >= limit
}

type openResult uint8

const (
	cacheDeclined openResult = iota
	cacheHit
	cacheStale
	cacheUpdating
	cacheScarce
	cacheErrorHit // a variant's entry answers a cached 502 or 504
)

// cacheOpen is ngx_http_file_cache_open and _read: the entry's file is
// opened and its header checked.
func (q *request) cacheOpen(cs *cacheState, scarce bool) openResult {
	e := cs.entry
	miss := cacheDeclined
	if scarce {
		miss = cacheScarce
	}
	f, err := os.Open(e.Path)
	if err != nil {
		if os.IsNotExist(err) {
			e.Gone()
			return miss
		}
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() \"%s\" failed %s%s", e.Path, errlog.SysError(err), q.logSuffix())
		return miss
	}
	fi, err := f.Stat()
	var buf [cache.HeaderSize]byte
	n, _ := f.ReadAt(buf[:], 0)
	h, ok := cache.ParseHeader(buf[:n])
	if err != nil || !ok || h.HeaderStart > h.BodyStart || int64(h.BodyStart) > fi.Size() {
		f.Close()
		if n < cache.HeaderSize {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "cache file \"%s\" is too small%s", e.Path, q.logSuffix())
		}
		return miss
	}
	if h.CRC32 != e.CRC {
		f.Close()
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "cache file \"%s\" has md5 collision%s", e.Path, q.logSuffix())
		return miss
	}
	if h.Vary != "" {
		if v := q.variant(h.Vary, cs.main); v != h.Variant {
			f.Close()
			return q.cacheReopen(cs, v)
		}
	}
	cs.file = f
	now := time.Now().Unix()
	cs.staleUpdating = h.ValidSec+h.UpdatingSec >= now
	cs.staleError = h.ValidSec+h.ErrorSec >= now
	cs.bodyOff = int64(h.BodyStart)
	cs.bodyLen = fi.Size() - int64(h.BodyStart)
	cs.staleHdr = h
	stale, updating := e.Found(h.BodyStart, fi.Size(), h.ValidSec)
	switch {
	case !stale:
		return cacheHit
	case updating:
		return cacheUpdating
	}
	return cacheStale
}

// cacheReopen is ngx_http_file_cache_reopen: the file of the main key
// is another variant's (its Vary's headers have other values in this
// request), so this request's variant is looked for under its own key,
// the hash of those values; a variant's file that does not match either
// is not used.
func (q *request) cacheReopen(cs *cacheState, variant [16]byte) openResult {
	e := cs.entry
	if cs.secondary {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "cache file \"%s\" has incorrect vary hash%s", e.Path, q.logSuffix())
		return cacheDeclined
	}
	e.Release()
	e, scarce, test := cs.zone.Lookup(variant, e.CRC, int(q.px.uc.Cache.MinUses.V))
	cs.entry, cs.secondary = e, true
	switch {
	case e.Error != 0:
		return cacheErrorHit
	case scarce && !test:
		return cacheScarce
	case !test:
		return cacheDeclined
	}
	return q.cacheOpen(cs, scarce)
}

// cacheMainKey is ngx_http_file_cache_update_variant: a response fetched
// for a variant's own key is stored there only if it varies on the
// same headers; else (no Vary, or another) it goes under the main key.
func (cs *cacheState) cacheMainKey() {
	if !cs.secondary || cs.header.Vary != "" && cs.header.Variant == cs.entry.Key {
		return
	}
	crc := cs.entry.CRC
	cs.entry.Release()
	cs.entry, _, _ = cs.zone.Lookup(cs.main, crc, 0)
	cs.secondary = false
}

// variant is ngx_http_file_cache_vary: the MD5 of the key's MD5 and the
// request's values of the headers Vary names.
func (q *request) variant(vary string, main [16]byte) [16]byte {
	h := md5.New()
	h.Write(main[:])
	for _, name := range strings.FieldsFunc(strings.ToLower(vary), func(r rune) bool { return r == ' ' || r == ',' }) {
		h.Write([]byte(name))
		h.Write([]byte(":"))
		normalize := name == "accept-charset" || name == "accept-encoding" || name == "accept-language"
		multiple := false
		for _, x := range q.r.Headers {
			if !httpcore.EqualFold(x.Name, name) {
				continue
			}
			if !normalize {
				if multiple {
					h.Write([]byte(","))
				}
				h.Write([]byte(x.Value))
				multiple = true
				continue
			}
			for _, tok := range strings.FieldsFunc(x.Value, func(r rune) bool { return r == ' ' || r == ',' }) {
				if multiple {
					h.Write([]byte(","))
				}
				h.Write([]byte(tok))
				multiple = true
			}
		}
		h.Write([]byte("\r\n"))
	}
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// cacheSend is ngx_http_upstream_cache_send: the stored response header
// is processed as the upstream's would be, and the body comes from the
// file. It reports false (the upstream is to be asked) when the stored
// header does not parse.
func (q *request) cacheSend() bool {
	px := q.px
	cs := px.cs
	h := cs.staleHdr
	size := h.BodyStart - h.HeaderStart
	if cap(px.hbuf) < size {
		px.hbuf = make([]byte, size)
	}
	px.hbuf = px.hbuf[:size]
	_, err := cs.file.ReadAt(px.hbuf, int64(h.HeaderStart))
	if px.tr == &fastcgiTransport {
		// the records' framing is taken off as the upstream's was
		px.hbuf = fcgiStoredPayload(px.hbuf)
	}
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "pread() \"%s\" failed %s%s", cs.entry.Path, errlog.SysError(err), q.logSuffix())
		cs.file.Close()
		cs.file = nil
		cs.status = cache.Miss
		return false
	}
	px.head.Reset()
	if px.tr.reset != nil {
		px.tr.reset(q)
	}
	n, done, err := px.tr.parse(q, &px.head, px.hbuf)
	if err != nil || !done {
		cs.file.Close()
		cs.file = nil
		cs.status = cache.Miss
		return false
	}
	q.dropRepeatedHeaders(&px.head)
	px.hlen, px.hdone = n, n
	px.haveHead = true
	cs.lastMod = -1
	if h.LastModified > 0 {
		cs.lastMod = h.LastModified
	}
	cs.etag = h.ETag
	_, cs.ranges = httpcore.FieldValue(px.head.Headers, "accept-ranges")
	q.proxyResponse(nil)
	return true
}

// cacheServeBody sends the body of a response served from the cache
// file (ngx_http_cache_send), through the not-modified and range
// filters; it reports false when the response is not from the cache.
func (q *request) cacheServeBody() bool {
	cs := q.px.cs
	if cs == nil || cs.file == nil || (cs.status != cache.Hit && cs.status != cache.Updating && cs.status != cache.Stale && cs.status != cache.Revalidated) {
		return false
	}
	w := q.w
	if w.Status == 200 && q.errStatus == 0 && q.main == nil {
		switch static.NotModified(q.r, cs.lastMod, cs.etagHeader(q), q.imsMode()) {
		case 412:
			q.respondStatus(412)
			return true
		case 304:
			w.Status, w.StatusLine = 304, ""
			w.ContentType, w.ContentLength = "", -1
			q.writeHeaderOnly()
			_ = w.Finish()
			return true
		}
	}
	if w.Status == 200 && cs.ranges && w.ContentLength < 0 {
		w.ContentLength = cs.bodyLen
	}
	if w.Status == 200 && (cs.ranges || q.slicing()) && q.forcedRanges(nil) {
		return true
	}
	if err := w.WriteHeader(); err != nil {
		return true
	}
	if w.HeadOnly() {
		_ = w.Finish()
		return true
	}
	// (a range is cut from the body by the engine as it goes through)
	start, n := cs.bodyOff, cs.bodyLen
	bp := bodyBufPool.Get().(*[]byte)
	defer bodyBufPool.Put(bp)
	r := io.NewSectionReader(cs.file, start, n)
	for {
		k, err := r.Read(*bp)
		if k > 0 {
			if _, werr := w.Write((*bp)[:k]); werr != nil {
				w.Abort(false)
				return true
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "pread() \"%s\" failed %s%s", cs.entry.Path, errlog.SysError(err), q.logSuffix())
			w.Abort(false)
			return true
		}
	}
	if q.sliceRest() {
		_ = w.Finish()
	}
	return true
}

// etagHeader is the ETag the not-modified filter compares: the
// response's ETag header as it goes out.
func (cs *cacheState) etagHeader(q *request) string {
	if v, ok := httpcore.FieldValue(q.w.Header, "etag"); ok {
		return v
	}
	return ""
}

// cacheHeaders is the cache part of the upstream's header processing
// (ngx_http_upstream_process_cache_control, _expires, _accel_expires,
// _set_cookie, _vary), in the order the headers came.
func (q *request) cacheHeaders() {
	px := q.px
	cs := px.cs
	if cs == nil || cs.file != nil && cs.status != cache.Expired && cs.status != cache.Revalidated {
		return
	}
	ign := px.uc.IgnoreHeaders.V
	now := time.Now().Unix()
	for _, x := range px.head.Headers {
		switch {
		case httpcore.EqualFold(x.Name, "x-accel-expires"):
			cs.xaExpires = true
			if ign&config.IgnoreXAccelExpires != 0 {
				continue
			}
			v := x.Value
			if strings.HasPrefix(v, "@") {
				if n, ok := atoiNgx(v[1:]); ok {
					cs.validSec = n
				}
				continue
			}
			n, ok := atoiNgx(v)
			switch {
			case !ok:
			case n == 0:
				cs.cacheable = false
			default:
				cs.validSec = now + n
			}
		case httpcore.EqualFold(x.Name, "cache-control"):
			if ign&config.IgnoreCacheControl != 0 || cs.validSec != 0 && cs.xaExpires {
				continue
			}
			q.cacheControl(cs, x.Value, now)
		case httpcore.EqualFold(x.Name, "expires"):
			if ign&config.IgnoreExpires != 0 || cs.validSec != 0 {
				continue
			}
			t := static.ParseHTTPTime(x.Value)
			if t < 0 || t < now {
				cs.cacheable = false
				continue
			}
			cs.validSec = t
		case httpcore.EqualFold(x.Name, "set-cookie"):
			if ign&config.IgnoreSetCookie == 0 {
				cs.cacheable = false
			}
		case httpcore.EqualFold(x.Name, "vary"):
			if ign&config.IgnoreVary != 0 {
				continue
			}
			if len(x.Value) > 128 || x.Value == "*" {
				cs.cacheable = false
			}
			cs.header.Vary = x.Value
		}
	}
}

// cacheControl is the Cache-Control part of it.
func (q *request) cacheControl(cs *cacheState, v string, now int64) {
	lv := strings.ToLower(v)
	if strings.Contains(lv, "no-cache") || strings.Contains(lv, "no-store") || strings.Contains(lv, "private") {
		cs.cacheable = false
		return
	}
	num := func(name string) (int64, bool, bool) {
		i := strings.Index(lv, name)
		if i < 0 {
			return 0, false, true
		}
		n := int64(0)
		for _, c := range []byte(lv[i+len(name):]) {
			if c == ',' || c == ';' || c == ' ' {
				break
			}
			if c < '0' || c > '9' {
				return 0, true, false
			}
			n = n*10 + int64(c-'0')
		}
		return n, true, true
	}
	n, found, ok := num("s-maxage=")
	if !found {
		n, found, ok = num("max-age=")
	}
	if !ok {
		cs.cacheable = false
		return
	}
	if found {
		if n == 0 {
			cs.cacheable = false
			return
		}
		cs.validSec = now + n
	}
	if n, found, ok := num("stale-while-revalidate="); !ok {
		cs.cacheable = false
		return
	} else if found {
		cs.header.UpdatingSec, cs.header.ErrorSec = n, n
	}
	if n, found, ok := num("stale-if-error="); !ok {
		cs.cacheable = false
		return
	} else if found {
		cs.header.ErrorSec = n
	}
}

// atoiNgx is ngx_atoi: digits only.
func atoiNgx(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	n := int64(0)
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// cacheValid is ngx_http_file_cache_valid.
func cacheValid(list []config.CacheValid, status int) int64 {
	for _, v := range list {
		if v.Status == 0 || v.Status == status {
			return int64(v.Valid / time.Second)
		}
	}
	return 0
}

// cacheDecide is the cache part of ngx_http_upstream_send_response: with
// buffering on, unless *_no_cache says otherwise, a response whose
// validity is known from its headers or *_cache_valid starts its file.
func (q *request) cacheDecide(buffering bool) {
	px := q.px
	cs := px.cs
	if cs == nil {
		return
	}
	cs.hdrCacheable = cs.cacheable
	if cs.file != nil && cs.status != cache.Expired {
		return
	}
	if cs.file != nil {
		cs.file.Close()
		cs.file = nil
		cs.hasStale = false
	}
	if !cs.cacheable || !buffering {
		return
	}
	cc := &px.uc.Cache
	if q.anyTrue(cc, true) {
		cs.cacheable = false
		return
	}
	if cs.status == cache.Bypass {
		key, crc := cache.Key(cs.key)
		cs.entry, _, _ = cs.zone.Lookup(key, crc, 0)
		cs.main = key
	}
	if cs.entry == nil {
		return
	}
	now := time.Now().Unix()
	valid := cs.validSec
	if valid == 0 {
		if v := cacheValid(cc.Valid.V, px.head.Status); v != 0 {
			valid = now + v
		}
	}
	if valid == 0 {
		cs.cacheable = false
		return
	}
	h := &cs.header
	h.ValidSec, h.Date, h.CRC32 = valid, now, cs.entry.CRC
	h.LastModified = -1
	if st := px.head.Status; st == 200 || st == 206 {
		if lm, ok := httpcore.FieldValue(px.head.Headers, "last-modified"); ok {
			h.LastModified = static.ParseHTTPTime(lm)
		}
		h.ETag, _ = httpcore.FieldValue(px.head.Headers, "etag")
	}
	if h.Vary != "" {
		h.Variant = q.variant(h.Vary, cs.main)
	}
	cs.cacheMainKey()
	h.HeaderStart = cache.HeaderStart(cs.key)
	stored := px.hbuf[:px.hdone]
	if px.tr == &fastcgiTransport {
		stored = fcgiStoredHead(stored, px.gw.headRec)
	}
	h.BodyStart = h.HeaderStart + len(stored)
	f, err := cs.zone.NewTemp()
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "%s%s", err.Error(), q.logSuffix())
		cs.cacheable = false
		return
	}
	b := h.Append(make([]byte, 0, h.BodyStart), cs.key)
	b = append(b, stored...)
	if _, err := f.Write(b); err != nil {
		q.cacheWriteFailed(err)
		f.Close()
		os.Remove(f.Name())
		return
	}
	cs.tmp = f
}

// cacheWriteFailed logs a failed write of a cache file.
func (q *request) cacheWriteFailed(err error) {
	q.log().Logf(errlog.Crit, q.r.Conn.ID, "write() to \"%s\" failed %s%s", q.px.cs.tmp.Name(), errlog.SysError(err), q.logSuffix())
}

// cacheBody writes a piece of the body to the cache file and, at the
// body's end, puts the file in place (ngx_http_file_cache_update) when
// all the body came (as its Content-Length said, if it said).
func (q *request) cacheBody(out []byte, end bodyEnd) {
	cs := q.px.cs
	if len(out) > 0 && !cs.failed {
		if _, err := cs.tmp.Write(out); err != nil {
			q.cacheWriteFailed(err)
			cs.failed = true
		}
		cs.written += int64(len(out))
	}
	if end == bodyMore {
		return
	}
	if end == bodyDone && !cs.failed {
		cl := q.px.head.ContentLength
		if q.px.head.Chunked || cl < 0 || cl == cs.written {
			q.cacheCommit()
			return
		}
	}
	name := cs.tmp.Name()
	cs.tmp.Close()
	os.Remove(name)
	cs.tmp = nil
}

// cacheCommit renames the complete file into place.
func (q *request) cacheCommit() {
	cs := q.px.cs
	name := cs.tmp.Name()
	cs.tmp.Close()
	cs.tmp = nil
	if err := cs.entry.Commit(name, cs.header.BodyStart, cs.header.ValidSec); err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "rename() \"%s\" to \"%s\" failed %s%s", name, cs.entry.Path, errlog.SysError(err), q.logSuffix())
	} else {
		cs.stored = true
	}
}

// bodyNext is bodyNextRaw with the pieces of a response being cached
// written to its file as they pass.
func (q *request) bodyNext(b *upBody, buf []byte) ([]byte, bodyEnd) {
	out, end := q.bodyNextRaw(b, buf)
	if len(out) == 0 && end == bodyMore {
		return out, end
	}
	if cs := q.px.cs; cs != nil && cs.tmp != nil {
		q.cacheBody(out, end)
	}
	if q.px.store != nil {
		q.storeBody(out, end)
	}
	return out, end
}

// cacheNoBody puts in place the file of a response without a body (a
// 204 or 304, or the answer to a HEAD not converted to GET, whatever
// its Content-Length says, as nginx's upstream_done).
func (q *request) cacheNoBody() {
	if cs := q.px.cs; cs != nil && cs.tmp != nil {
		q.cacheCommit()
	}
	q.storeNoBody()
}

// cacheUseStale is the *_cache_use_stale answer for a failure: the
// expired entry's file is served with STALE when the condition is
// listed; it reports whether it was.
func (q *request) cacheUseStale(ft config.NextUpstream) bool {
	px := q.px
	cs := px.cs
	if cs == nil || !cs.hasStale || cs.file == nil || px.uc.Cache.UseStale.V&ft == 0 && !cs.staleError {
		return false
	}
	cs.status = cache.Stale
	if !q.cacheSend() {
		return false
	}
	return true
}

// cacheError is the cache part of ngx_http_upstream_finalize_request:
// a 502 or 504 of a request that may be cached is kept in the key's node
// for as long as *_cache_valid gives that status.
func (q *request) cacheError(status int) {
	cs := q.px.cs
	if cs == nil || !cs.cacheable || cs.entry == nil || status != 502 && status != 504 {
		return
	}
	if v := cacheValid(q.px.uc.Cache.Valid.V, status); v != 0 {
		cs.entry.CacheError(status, time.Now().Unix()+v)
	}
}

// cacheRanges reports whether the range filter applies to a response on
// its way to the cache: nginx allows one range of a cacheable response
// whose upstream sent Accept-Ranges (ngx_http_upstream_copy_allow_ranges).
func (q *request) cacheRanges() bool {
	cs := q.px.cs
	if cs == nil || !cs.cacheable {
		return false
	}
	if cs.file != nil {
		return cs.ranges
	}
	_, ok := httpcore.FieldValue(q.px.head.Headers, "accept-ranges")
	return ok
}

// cacheStaleStatus is the cache part of ngx_http_upstream_test_next: an
// upstream's error status listed in *_cache_use_stale answers an
// expired request with the stale entry. It reports whether it did.
func (q *request) cacheStaleStatus(sft config.NextUpstream, peer *upstream.Peer) bool {
	cs := q.px.cs
	if cs == nil || !cs.hasStale || q.px.uc.Cache.UseStale.V&sft == 0 {
		return false
	}
	q.finishUpstream(peer, false, 0)
	return q.cacheUseStale(sft)
}

// cacheNotModified is the not-modified filter on a response that may
// be cached (nginx leaves it on when u->cacheable as the headers left it,
// ngx_http_upstream_process_headers, so also when *_no_cache or a missing
// *_cache_valid then keep it out of the cache): a 200 answers 304 to a
// matching If-None-Match or If-Modified-Since while its body still goes
// to the cache file.
func (q *request) cacheNotModified() {
	cs := q.px.cs
	w := q.w
	if cs == nil || !cs.hdrCacheable || w.Status != 200 || q.errStatus != 0 || q.main != nil {
		return
	}
	lm := int64(-1)
	if v, ok := httpcore.FieldValue(w.Header, "last-modified"); ok {
		lm = static.ParseHTTPTime(v)
	}
	if static.NotModified(q.r, lm, cs.etagHeader(q), q.imsMode()) == 304 {
		// ngx_http_not_modified drops the type and length
		w.Status, w.StatusLine = 304, ""
		w.ContentType, w.ContentLength = "", -1
	}
}
