package httpd

import (
	"strconv"
	"time"

	"weir/internal/config"
	"weir/internal/httpcore"
	"weir/internal/static"
	"weir/internal/vars"
)

// moduleContent runs the content handler stub_status or empty_gif set
// for the location, if any, and reports whether it did. An if block has
// none of its own and keeps its location's (r->content_handler).
func (q *request) moduleContent() bool {
	h := q.lc.Handler
	if h == "" && q.loc != nil && q.lc != q.loc.Loc {
		h = q.loc.Loc.Handler
	}
	switch h {
	case config.HandlerStubStatus:
		q.sendMemory("text/plain", stubStatusBody(httpcore.ReadStats()), -1)
	case config.HandlerAPI:
		q.apiHandler()
	case config.HandlerFLV:
		return q.flv()
	case config.HandlerMP4:
		return q.mp4()
	case config.HandlerEmptyGIF:
		// ngx_http_empty_gif_handler: a fixed date, 28 Sep 1970
		q.sendMemory("image/gif", emptyGIF, 23349600)
	default:
		return false
	}
	return true
}

// stubStatusBody is the text of ngx_http_stub_status_handler.
func stubStatusBody(st httpcore.Stats) []byte {
	b := make([]byte, 0, 128)
	b = append(b, "Active connections: "...)
	b = strconv.AppendInt(b, st.Active, 10)
	b = append(b, " \nserver accepts handled requests\n "...)
	b = strconv.AppendInt(b, st.Accepted, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, st.Handled, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, st.Requests, 10)
	b = append(b, " \nReading: "...)
	b = strconv.AppendInt(b, st.Reading, 10)
	b = append(b, " Writing: "...)
	b = strconv.AppendInt(b, st.Writing, 10)
	b = append(b, " Waiting: "...)
	b = strconv.AppendInt(b, st.Waiting, 10)
	b = append(b, " \n"...)
	return b
}

// refused starts a handler that sends what it has: a method it does not
// take (allowed false) gets 405 once the body is discarded, and a body
// that fails while it is discarded gets its status. It reports whether
// the request was answered.
func (q *request) refused(allowed bool) bool {
	if !allowed {
		q.discardSpecial()
		q.respondStatus(405)
		return true
	}
	if code := q.discardBody(); code != 0 {
		q.respondStatus(code)
		return true
	}
	return false
}

// connectionsVar is $connections_active, _reading, _writing or _waiting
// (ngx_http_stub_status_variable).
func connectionsVar(id vars.ID) string {
	st := httpcore.ReadStats()
	n := st.Waiting
	switch id {
	case vars.ConnectionsActive:
		n = st.Active
	case vars.ConnectionsReading:
		n = st.Reading
	case vars.ConnectionsWriting:
		n = st.Writing
	}
	return strconv.FormatInt(n, 10)
}

// emptyGIF is the 1x1 transparent GIF of ngx_http_empty_gif_module.
var emptyGIF = []byte{
	'G', 'I', 'F', '8', '9', 'a', // header
	0x01, 0x00, 0x01, 0x00, // 1x1
	0x80, 0x01, 0x00, // a global colour table of two colours
	0x00, 0x00, 0x00, 0xff, 0xff, 0xff, // black, white
	0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x01, 0x00, // graphic control: colour 1 is transparent
	0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor
	0x02, 0x02, 0x4c, 0x01, 0x00, // the image data
	0x3b, // trailer
}

// sendMemory answers a GET or HEAD with body, as the stub_status and
// empty_gif handlers do: other methods get 405, the request body is
// discarded, and the not-modified filter applies to the 200 (lastModified
// in unix seconds, -1 for none; no ETag, no ranges).
func (q *request) sendMemory(ctype string, body []byte, lastModified int64) {
	if q.refused(q.method == "GET" || q.method == "HEAD") {
		return
	}
	w := q.w
	w.Status = 200
	if q.errStatus == 0 {
		switch static.NotModified(q.r, lastModified, "", q.imsMode()) {
		case 412:
			q.respondStatus(412)
			return
		case 304:
			w.Status = 304
		}
	}
	q.status = w.Status
	if lastModified != -1 {
		w.LastModified = time.Unix(lastModified, 0)
	}
	if w.Status == 304 {
		q.writeHeaderOnly()
		return
	}
	w.ContentType = ctype
	w.ContentLength = int64(len(body))
	q.prepareHeader()
	if err := w.WriteHeader(); err != nil || w.HeadOnly() {
		return
	}
	_, _ = w.Write(body)
}
