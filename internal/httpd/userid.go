package httpd

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/vars"
)

// uidState is ngx_http_userid_ctx_t: the identifier the client sent
// (got) and the one the response sets (set), each kept as nginx keeps
// them in memory, four 32-bit words whose bytes are what the cookie
// encodes in base64.
type uidState struct {
	got, set [16]byte
	cookie   string // the cookie's value as found
	reset    bool   // $uid_reset asked for a new identifier
}

// uidPresent is nginx's "uid[3] != 0" test: an identifier whose last
// word is zero counts as none.
func uidPresent(u *[16]byte) bool { return u[12]|u[13]|u[14]|u[15] != 0 }

// uidText is "NAME=" and the four words in hexadecimal, each read as a
// little-endian integer as nginx prints them on x86 ("%08XD").
func uidText(name string, u *[16]byte) string {
	return fmt.Sprintf("%s=%08X%08X%08X%08X", name,
		binary.LittleEndian.Uint32(u[0:]), binary.LittleEndian.Uint32(u[4:]),
		binary.LittleEndian.Uint32(u[8:]), binary.LittleEndian.Uint32(u[12:]))
}

// uidStart and the sequencers are the process's part of every new
// identifier (ngx_http_userid_init_worker): the start time's
// microseconds over 20 above the pid, then a counter stepping by 0x100.
var (
	uidStart = uint32(time.Now().Nanosecond()/1000/20)<<16 | uint32(os.Getpid())
	uidSeqMu sync.Mutex
	uidSeqV1 = uint32(1)
	uidSeqV2 = uint32(0x03030302)
)

// getUID is ngx_http_userid_get_uid: the request's state, with the
// cookie named userid_name parsed once; a value shorter than 22
// characters or whose first 22 are not base64 is logged and ignored.
func (q *request) getUID(u *config.UserIDLoc) *uidState {
	if q.uid != nil {
		return q.uid
	}
	st := &uidState{}
	q.uid = st
	v, line, ok := q.findCookie(u.CookieName())
	if !ok {
		return st
	}
	st.cookie = v
	if len(v) < 22 {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "client sent too short userid cookie \"%s\"%s", line, q.logSuffix())
		return st
	}
	// ngx_decode_base64: the text ends at the first "=", every byte
	// before must be of the alphabet, and one lone character left over
	// is an error
	src := v[:22]
	if i := strings.IndexByte(src, '='); i >= 0 {
		src = src[:i]
	}
	var dst [16]byte
	if len(src)%4 == 1 || !validBase64(src) {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "client sent invalid userid cookie \"%s\"%s", line, q.logSuffix())
		return st
	}
	n, err := base64.RawStdEncoding.Decode(dst[:], []byte(src))
	if err != nil {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "client sent invalid userid cookie \"%s\"%s", line, q.logSuffix())
		return st
	}
	copy(st.got[:n], dst[:n])
	return st
}

func validBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// createUID is ngx_http_userid_create_uid: a client identifier is kept
// unless $uid_reset says otherwise, and re-sent only to add a missing
// userid_mark; else a new one is made: for "on" the server's address
// (or userid_service), the time, the process start value and the
// sequence, each big-endian; for "v1" the same words in host order.
func (q *request) createUID(u *config.UserIDLoc, st *uidState) {
	if uidPresent(&st.set) {
		return
	}
	mark := u.Mark.V
	if uidPresent(&st.got) {
		reset := q.uidReset()
		if reset == "" || reset == "0" {
			if mark == 0 || len(st.cookie) > 23 && st.cookie[22] == mark && st.cookie[23] == '=' {
				return
			}
			st.set = st.got
			return
		}
		st.reset = true
		if reset == "log" {
			q.log().Logf(errlog.Notice, q.r.Conn.ID, "userid cookie \"%s\" was reset%s", uidText(u.CookieName(), &st.got), q.logSuffix())
		}
	}
	now := uint32(q.h.Now().Unix())
	uidSeqMu.Lock()
	seq := uidSeqV2
	if u.Enable.V == config.UserIDV1 {
		seq = uidSeqV1
		uidSeqV1 += 0x100
	} else {
		uidSeqV2 += 0x100
		if uidSeqV2 < 0x03030302 {
			uidSeqV2 = 0x03030302
		}
	}
	uidSeqMu.Unlock()
	b := st.set[:]
	if u.Enable.V == config.UserIDV1 {
		binary.LittleEndian.PutUint32(b[0:], uint32(u.Service.V))
		binary.LittleEndian.PutUint32(b[4:], now)
		binary.LittleEndian.PutUint32(b[8:], uidStart)
		binary.LittleEndian.PutUint32(b[12:], seq)
		return
	}
	switch {
	case u.Service.Set:
		binary.BigEndian.PutUint32(b[0:], uint32(u.Service.V))
	case q.r.Conn.Unix:
		// no address: zero, as later nginx releases have it
	default:
		a := q.r.Conn.Local.Addr().Unmap().AsSlice()
		copy(b[0:4], a[len(a)-4:])
	}
	binary.BigEndian.PutUint32(b[4:], now)
	binary.BigEndian.PutUint32(b[8:], uidStart)
	binary.BigEndian.PutUint32(b[12:], seq)
}

// uidReset is $uid_reset: what "set" or a map gave it, else empty.
func (q *request) uidReset() string {
	t := q.snap.Cfg.HTTP.Vars
	slot, ok := t.Slot("uid_reset")
	if !ok {
		return ""
	}
	if _, mapped := t.Map(slot); !mapped && (slot >= len(q.userSet) || !q.userSet[slot]) {
		// neither set nor mapped: the module's own empty value
		return ""
	}
	v, _ := q.value(&vars.Part{Kind: vars.User, Name: "uid_reset", N: slot})
	return v
}

// uidVar evaluates $uid_got, $uid_set and $uid_reset
// (ngx_http_userid_got_variable and its kin).
func (q *request) uidVar(id vars.ID) (string, bool) {
	u := &q.lc.UserID
	switch id {
	case vars.UIDGot:
		if u.Enable.V == config.UserIDOff {
			return "", false
		}
		st := q.getUID(u)
		if uidPresent(&st.got) {
			return uidText(u.CookieName(), &st.got), true
		}
	case vars.UIDSet:
		if u.Enable.V < config.UserIDV1 {
			return "", false
		}
		st := q.getUID(u)
		q.createUID(u, st)
		if uidPresent(&st.set) {
			return uidText(u.CookieName(), &st.set), true
		}
	case vars.UIDReset:
		return q.uidReset(), true
	}
	return "", false
}

// useridFilter is ngx_http_userid_filter: with userid on or v1, the
// Set-Cookie of a new identifier (or of the client's, to mark it) and
// the P3P header, after add_header's headers.
func (q *request) useridFilter(w *httpcore.Response) {
	u := &q.lc.UserID
	if u.Enable.V < config.UserIDV1 {
		return
	}
	st := q.getUID(u)
	q.createUID(u, st)
	if !uidPresent(&st.set) {
		return
	}
	var b strings.Builder
	b.WriteString(u.CookieName())
	b.WriteByte('=')
	if !uidPresent(&st.got) || st.reset {
		enc := base64.StdEncoding.EncodeToString(st.set[:])
		if u.Mark.V != 0 {
			enc = enc[:len(enc)-2] + string(u.Mark.V) + enc[len(enc)-1:]
		}
		b.WriteString(enc)
	} else {
		b.WriteString(st.cookie[:22])
		b.WriteByte(u.Mark.V)
		b.WriteByte('=')
	}
	switch e := u.Expires.V; {
	case e == config.UserIDMaxExpires:
		b.WriteString("; expires=Thu, 31-Dec-37 23:55:55 GMT")
	case e != 0:
		b.WriteString("; expires=")
		b.WriteString(cookieTime(q.h.Now().Truncate(time.Second).Add(time.Duration(e) * time.Second)))
	}
	b.WriteString(u.Domain.V)
	b.WriteString(u.CookiePath())
	for _, f := range []struct {
		bit  uint32
		text string
	}{
		{config.UserIDCookieSecure, "; secure"}, {config.UserIDCookieHTTPOnly, "; httponly"},
		{config.UserIDCookieSameSiteStrict, "; samesite=strict"}, {config.UserIDCookieSameSiteLax, "; samesite=lax"},
		{config.UserIDCookieSameSiteNone, "; samesite=none"},
	} {
		if u.Flags.V&f.bit != 0 {
			b.WriteString(f.text)
		}
	}
	w.Header = append(w.Header, httpcore.Header{Name: "Set-Cookie", Value: b.String()})
	if u.P3P.V != "" {
		w.Header = append(w.Header, httpcore.Header{Name: "P3P", Value: u.P3P.V})
	}
}

// cookieTime is ngx_http_cookie_time: "Thu, 01-Jan-70 00:00:00 GMT",
// with a four-digit year after 2037.
func cookieTime(t time.Time) string {
	t = t.UTC()
	if t.Year() > 2037 {
		return t.Format("Mon, 02-Jan-2006 15:04:05 GMT")
	}
	return t.Format("Mon, 02-Jan-06 15:04:05 GMT")
}
