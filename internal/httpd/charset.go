package httpd

import (
	"strconv"
	"strings"
	"unsafe"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/static"
)

// charsetHeader is ngx_http_charset_header_filter: it decides the
// charset the Content-Type names (the charset directive on a type of
// charset_types, or an upstream's X-Accel-Charset) and, when the source
// charset differs and a charset_map joins the two, installs the body
// recoder. The charset is appended to the type when the type has no
// parameters (ngx_http_header_filter), never to a 301 or 302.
func (q *request) charsetHeader(w *httpcore.Response) {
	ct := w.ContentType
	if ct == "" {
		return
	}
	cfg := &q.lc.Charset
	cs := q.snap.Cfg.HTTP.Charsets
	ctLen, charset := q.ctypeParts(ct)
	var dst string
	di := -1
	if q.overrideCharset != "" {
		dst = q.overrideCharset
		if di = cs.Lookup(dst); di < 0 {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "unknown charset \"%s\" to override%s%s", dst, q.filterAction(), q.logSuffix())
			return
		}
	} else {
		ref := cfg.Charset.V
		if ref == nil {
			return
		}
		if charset != "" {
			if !cfg.Override.V {
				return
			}
		} else if !q.typeMatch(cfg.Types.V, ct) {
			return
		}
		dst, di = q.charsetName(ref, cs)
	}
	set := func(ct string) {
		switch w.Status {
		case 301, 302:
			// nginx does not name a charset on a redirect
			charset = ""
		default:
			charset = dst
		}
		if len(ct) == ctLen && charset != "" {
			ct += "; charset=" + charset
		}
		w.ContentType = ct
	}
	src, si := charset, -1
	switch {
	case charset != "":
		si = cs.Lookup(charset)
	case cfg.Source.V == nil:
		set(ct)
		return
	default:
		src, si = q.charsetName(cfg.Source.V, cs)
	}
	if di < 0 || si < 0 {
		if si != di || len(src) < len(dst) || !strings.EqualFold(src[:len(dst)], dst) {
			q.noCharsetMap(src, dst)
			return
		}
		set(ct)
		return
	}
	if si == di {
		set(ct[:ctLen])
		return
	}
	if hasValue(w.Header, "content-encoding") {
		return
	}
	m, fwd := cs.Table(si, di)
	if m == nil {
		q.noCharsetMap(src, dst)
		return
	}
	set(ct[:ctLen])
	r := &recoder{}
	switch {
	case !m.UTF8 && fwd:
		r.bytes = &m.Fwd
	case !m.UTF8:
		r.bytes = &m.Back
	case fwd:
		r.toUTF8 = &m.ToUTF8
	default:
		r.fromUTF8 = m.FromUTF8
	}
	if m.UTF8 {
		w.ContentLength = -1
	}
	w.Filters = append(w.Filters, r)
}

// charsetName is the charset a charset or source_charset value names,
// and its index (-1 when no directive or charset_map named it).
func (q *request) charsetName(ref *config.CharsetRef, cs *config.Charsets) (string, int) {
	name := ref.Name
	if ref.Var != nil {
		name = q.eval(ref.Var)
	}
	return name, cs.Lookup(name)
}

func (q *request) noCharsetMap(src, dst string) {
	q.log().Logf(errlog.Error, q.r.Conn.ID, "no \"charset_map\" between the charsets \"%s\" and \"%s\"%s%s", src, dst, q.filterAction(), q.logSuffix())
}

// filterAction is the "while ..." of an error logged by a header filter:
// an upstream's header is being read, or the response sent.
func (q *request) filterAction() string {
	switch {
	case q.passedHeaders:
		return " while reading response header from upstream"
	case q.specialSent && q.accelRedirected:
		// after an X-Accel-Redirect, none: the upstream was finalized
		// with NGX_DECLINED (no action set), ngx_http_handler cleared it
		return ""
	case q.specialSent && q.px != nil:
		// the built-in page after an upstream pass, under the action
		// ngx_http_upstream_finalize_request set (a static error page
		// sets its own)
		return " while sending to client"
	}
	return " while sending response to client"
}

// recoder is ngx_http_charset_body_filter with one of its three tables:
// byte to byte, a byte to its UTF-8 bytes, or UTF-8 to bytes, where a
// character the map lacks becomes "&#N;" and an invalid sequence "?".
type recoder struct {
	bytes    *[256]byte
	toUTF8   *[256]string
	fromUTF8 map[rune]byte
	saved    []byte // an incomplete UTF-8 sequence at the end of a part
	work     []byte
	out      []byte
}

func (r *recoder) Filter(p []byte) []byte {
	out := r.out[:0]
	switch {
	case r.bytes != nil:
		for _, c := range p {
			out = append(out, r.bytes[c])
		}
	case r.toUTF8 != nil:
		for _, c := range p {
			out = append(out, r.toUTF8[c]...)
		}
	default:
		if len(r.saved) > 0 {
			r.work = append(append(r.work[:0], r.saved...), p...)
			p = r.work
			r.saved = r.saved[:0]
		}
		for i := 0; i < len(p); {
			if p[i] < 0x80 {
				out = append(out, p[i])
				i++
				continue
			}
			u, n := static.UTF8Decode(unsafe.String(&p[i], len(p)-i))
			if n == 0 {
				r.saved = append(r.saved, p[i:]...)
				break
			}
			i += n
			switch {
			case u < 0x10000:
				if c := r.fromUTF8[rune(u)]; c != 0 {
					out = append(out, c)
					continue
				}
				out = appendEntity(out, u)
			case u > 0x10ffff:
				out = append(out, '?')
			default:
				out = appendEntity(out, u)
			}
		}
	}
	r.out = out
	return out
}

func appendEntity(b []byte, u uint32) []byte {
	b = append(b, "&#"...)
	b = strconv.AppendUint(b, uint64(u), 10)
	return append(b, ';')
}

// End drops an incomplete sequence at the end of the body, as nginx does.
func (r *recoder) End() []byte { return nil }

// autoindexCharset is the charset the charset filter gives a listing
// (its type has no parameters of its own), which the HTML listing also
// reads to measure names (r->headers_out.charset after
// ngx_http_send_header).
func (q *request) autoindexCharset(f static.Format) string {
	ref := q.lc.Charset.Charset.V
	if ref == nil || q.lc.Charset.Source.V != nil {
		return ""
	}
	t := "text/html"
	switch f {
	case static.FormatJSON:
		t = "application/json"
	case static.FormatJSONP:
		t = "application/javascript"
	case static.FormatXML:
		t = "text/xml"
	}
	if !q.typeMatch(q.lc.Charset.Types.V, t) {
		return ""
	}
	name, _ := q.charsetName(ref, q.snap.Cfg.HTTP.Charsets)
	return name
}
