package httpd

import (
	"errors"
	"os"

	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/static"
)

// *_store (ngx_http_upstream_store): an upstream's 200 answer, read in
// full with buffering on, is saved to the file its URI maps to under the
// root (or the path *_store names), through a temp file of *_temp_path
// renamed into place with *_store_access's mode and the upstream's
// Last-Modified as its time.

// storeState is the temp file of a response read for *_store: nginx's
// event pipe writes every answer's body to it (p->cacheable), so it is
// made (and numbered) at the first body bytes whatever the status; an
// empty 200 gets one when it is stored.
type storeState struct {
	f       *os.File
	written int64
	failed  bool
}

// discard removes a temp file that was not put in place.
func (st *storeState) discard() {
	if st.f != nil {
		name := st.f.Name()
		st.f.Close()
		os.Remove(name)
		st.f = nil
	}
}

// storing reports whether the request's module stores answers: nginx
// then reads the upstream to its end whatever the client does, as with
// ignore_client_abort (u->store).
func (q *request) storing() bool {
	return q.px.uc.Cache.Store.V.On
}

// keepsUpstream reports whether a client that left does not end the
// upstream's reading: *_ignore_client_abort, or *_store.
func (q *request) keepsUpstream() bool {
	return q.px.uc.IgnoreClientAbort.V || q.storing()
}

// pipeCacheable is the event pipe's p->cacheable (u->cacheable ||
// u->store): its temp file is the cache's or the store's, and nginx does
// not warn that the answer is buffered to it.
func (q *request) pipeCacheable() bool {
	cs := q.px.cs
	return q.storing() || cs != nil && cs.cacheable
}

// storeStart readies the store of an answer read with buffering on.
func (q *request) storeStart(buffering bool) {
	if q.storing() && buffering && !q.headerOnly {
		q.px.store = &storeState{}
	}
}

// storeTemp makes the temp file in *_temp_path; it reports false, having
// logged why, when it cannot.
func (q *request) storeTemp() bool {
	px := q.px
	st := px.store
	if st.f != nil || st.failed {
		return !st.failed
	}
	st.f = q.upstreamTempFile()
	st.failed = st.f == nil
	return !st.failed
}

// upstreamTempFile makes a temp file in the module's *_temp_path; it
// logs the failure and returns nil when it cannot.
func (q *request) upstreamTempFile() *os.File {
	px := q.px
	f, err := createTempFile(px.uc.TempPath.V, px.uc.TempLevels.V)
	if err != nil {
		name := px.uc.TempPath.V
		var pe *os.PathError
		if errors.As(err, &pe) {
			name = pe.Path
		}
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() \"%s\" failed %s%s%s", name, errlog.SysError(err), px.action, q.logSuffix())
		return nil
	}
	return f
}

// storeBody writes a piece of the body to the temp file and, at its end,
// stores a 200 whose whole body came (as its Content-Length said, if it
// said) (ngx_http_upstream_process_request); a body cut short is not
// stored.
func (q *request) storeBody(out []byte, end bodyEnd) {
	st := q.px.store
	if len(out) > 0 && q.storeTemp() {
		if _, err := st.f.Write(out); err != nil {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "write() \"%s\" failed %s%s%s", st.f.Name(), errlog.SysError(err), q.px.action, q.logSuffix())
			st.failed = true
		}
		st.written += int64(len(out))
	}
	if end == bodyMore {
		return
	}
	h := &q.px.head
	if end == bodyDone && h.Status == 200 && (h.Chunked || h.ContentLength < 0 || h.ContentLength == st.written) {
		q.storeCommit()
	}
	st.discard()
	q.px.store = nil
}

// storeNoBody stores the answer to a HEAD, whose body is empty: nginx
// stores a 200 when no Content-Length said otherwise.
func (q *request) storeNoBody() {
	if st := q.px.store; st != nil {
		if h := &q.px.head; h.Status == 200 && (h.Chunked || h.ContentLength <= 0) {
			q.storeCommit()
		}
		st.discard()
		q.px.store = nil
	}
}

// storeCommit is ngx_http_upstream_store: the temp file gets
// *_store_access's mode and the upstream's Last-Modified as its time and
// is renamed to the path (ngx_ext_rename_file, making the directories
// on the way); it goes if that fails.
func (q *request) storeCommit() {
	px := q.px
	if !q.storeTemp() {
		return
	}
	var to string
	if v := px.uc.Cache.Store.V.Path; v != nil {
		to = q.eval(v)
	} else {
		to = q.mapURI()
	}
	mtime := int64(-1)
	if v, ok := httpcore.FieldValue(px.head.Headers, "last-modified"); ok {
		mtime = static.ParseHTTPTime(v)
	}
	access := px.uc.Cache.StoreAccess.V
	// (the temp file is renamed or removed either way)
	q.davRename(px.store.f.Name(), to, access, access, mtime, true, true)
	px.store.f.Close()
	px.store.f = nil
}

// fileLogSuffix ends the log lines of the file operations (davRename):
// a store's are made while reading upstream.
func (q *request) fileLogSuffix() string {
	if q.px != nil && q.px.store != nil {
		return q.px.action + q.logSuffix()
	}
	return q.logSuffix()
}
