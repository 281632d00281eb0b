package httpd

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/httpcore"
	"weir/internal/upstream"
	"weir/internal/vars"
)

// Session affinity (ngx_http_upstream_sticky_module, nginx 1.29.6): the
// request's identifier, found in the sticky directive's variables, asks
// the balancer for the server whose SID it is (cookie, route) or for
// the server a learned session is bound to (learn); "cookie" tells the
// client the SID of the server picked.

// stickyState is a request's sticky data.
type stickyState struct {
	conf   *config.Sticky
	id     string // the identifier the lookup variables gave
	cookie string // the Set-Cookie value made at the last pick
}

// stickyBegin finds the request's identifier once the group's Pick
// began (ngx_http_upstream_sticky_init_peer).
func (q *request) stickyBegin() {
	px := q.px
	st := px.grp.Upstream.Sticky
	px.sticky = stickyState{conf: st}
	if st == nil {
		return
	}
	// (a value may point into buffers that are used again)
	px.sticky.id = strings.Clone(q.firstNonEmpty(st.Lookup))
	if px.sticky.id == "" {
		return
	}
	if st.Mode != "learn" {
		px.pick.SetHint(px.sticky.id)
		return
	}
	if sid, ok := stickyZone(st).lookup(px.sticky.id, time.Now()); ok {
		px.pick.SetHint(sid)
	}
}

func (q *request) firstNonEmpty(vs []*vars.Value) string {
	for _, v := range vs {
		if s := q.eval(v); s != "" {
			return s
		}
	}
	return ""
}

// stickyPicked makes the cookie for the peer just picked
// (ngx_http_upstream_sticky_cookie_insert).
func (q *request) stickyPicked() {
	px := q.px
	st := px.sticky.conf
	if st == nil || st.Mode != "cookie" {
		return
	}
	b := make([]byte, 0, 128)
	b = append(b, st.Cookie...)
	b = append(b, '=')
	b = append(b, px.pick.SID()...)
	switch {
	case st.Expires == config.StickyExpiresMax:
		b = append(b, "; expires=Thu, 31-Dec-37 23:55:55 GMT; max-age=315360000"...)
	case st.Expires >= 0:
		b = append(b, "; expires="...)
		b = append(b, cookieTime(time.Now().Add(st.Expires))...)
		b = append(b, "; max-age="...)
		b = strconv.AppendInt(b, int64(st.Expires/time.Second), 10)
	}
	if d := q.eval(st.Domain); d != "" {
		b = append(b, "; domain="...)
		b = append(b, d...)
	}
	if st.HTTPOnly {
		b = append(b, "; httponly"...)
	}
	if st.Secure {
		b = append(b, "; secure"...)
	}
	if st.SameSite != nil {
		v := q.eval(st.SameSite)
		if _, static := st.SameSite.Static(); !static && v != "" && !config.ValidSameSite(v) {
			v = "strict"
		}
		if v != "" {
			b = append(b, "; samesite="...)
			b = append(b, v...)
		}
	}
	if st.Path != "" {
		b = append(b, "; path="...)
		b = append(b, st.Path...)
	}
	px.sticky.cookie = string(b)
}

// stickyHeader puts the cookie first among the response's headers, as
// nginx pushed it into headers_out before the upstream's.
func (q *request) stickyHeader() {
	if c := q.px.sticky.cookie; c != "" {
		q.w.Header = append(q.w.Header, httpcore.Header{Name: "Set-Cookie", Value: c})
	}
}

// stickyLearn binds the session to the peer that answered
// (ngx_http_upstream_sticky_learn_peer): a create variable makes or
// moves a session, else the looked-up one is refreshed.
func (q *request) stickyLearn() {
	px := q.px
	st := px.sticky.conf
	if st == nil || st.Mode != "learn" {
		return
	}
	id, create := q.firstNonEmpty(st.Create), true
	if id == "" {
		id, create = px.sticky.id, false
	}
	if id == "" {
		return
	}
	stickyZone(st).learn(id, px.pick.SID(), create, time.Now())
}

// stickyAccount is the end of an attempt that got a response: the
// peer's statistics for the API, and learn's session.
func (q *request) stickyAccount(peer *upstream.Peer) {
	px := q.px
	if px.st != nil {
		status := px.head.Status
		if px.st.status != 0 {
			status = px.st.status
		}
		px.grp.Account(peer, status, px.st.sent, px.st.received, px.st.headerTime, px.st.responseTime)
	}
	q.stickyLearn()
}

// stickySessions is one "sticky learn" zone: session identifiers bound
// to server identifiers, forgotten after the timeout without use. Zones
// outlive reloads, as nginx's shared memory does.
type stickySessions struct {
	mu      sync.Mutex
	timeout time.Duration
	max     int
	m       map[string]*stickySession
}

type stickySession struct {
	sid  string
	last time.Time
}

var (
	stickyZonesMu sync.Mutex
	stickyZones   = map[string]*stickySessions{}
)

// stickyZone returns the sessions of st's zone.
func stickyZone(st *config.Sticky) *stickySessions {
	stickyZonesMu.Lock()
	defer stickyZonesMu.Unlock()
	z := stickyZones[st.Zone]
	if z == nil {
		z = &stickySessions{m: map[string]*stickySession{}}
		stickyZones[st.Zone] = z
	}
	z.mu.Lock()
	z.timeout = st.Timeout
	// about 8000 sessions a megabyte, as nginx's comment reckons
	z.max = max(int(st.ZoneSize/128), 1)
	z.mu.Unlock()
	return z
}

func (z *stickySessions) lookup(id string, now time.Time) (string, bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	s := z.m[id]
	if s == nil {
		return "", false
	}
	if now.Sub(s.last) >= z.timeout {
		delete(z.m, id)
		return "", false
	}
	return s.sid, true
}

func (z *stickySessions) learn(id, sid string, create bool, now time.Time) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if s := z.m[id]; s != nil && now.Sub(s.last) < z.timeout {
		s.sid, s.last = sid, now
		return
	}
	if !create {
		return
	}
	if len(z.m) >= z.max {
		z.expire(now)
	}
	z.m[strings.Clone(id)] = &stickySession{sid: sid, last: now}
}

// expire drops the sessions past the timeout, or the least recently
// used one when none is (nginx's "expiring least recently used
// session").
func (z *stickySessions) expire(now time.Time) {
	var oldest string
	var at time.Time
	for id, s := range z.m {
		if now.Sub(s.last) >= z.timeout {
			delete(z.m, id)
			continue
		}
		if oldest == "" || s.last.Before(at) {
			oldest, at = id, s.last
		}
	}
	if len(z.m) >= z.max && oldest != "" {
		delete(z.m, oldest)
	}
}
