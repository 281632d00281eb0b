package httpd

import (
	"strconv"
	"strings"
	"time"

	"weir/internal/vars"
)

// emptyArgsBeforeHash says a request target's arguments are there but
// empty because a '#' follows the '?' at once ("/x?#"): nginx's
// ngx_http_parse_complex_uri then sets r->args with a length of 0, so
// $args and $query_string are "" (found) where "/x?" leaves them unset
// ("-" in a log).
func emptyArgsBeforeHash(raw string) bool {
	_, after, ok := strings.Cut(raw, "?")
	return ok && strings.HasPrefix(after, "#")
}

// connVar is one of the variables of the connection and of the request's
// end: $pipe ("p" for a request read from bytes that came with the one
// before, "." otherwise; always "." over HTTP/2), $connection_time
// (seconds with milliseconds since the accept), $request_completion
// ("OK" once the response went out whole, "" before and after a 444 or a
// failure, and "" for good once taken before the end, as nginx caches it) and $tcpinfo_* (the kernel's TCP_INFO of the client's socket,
// not found when it cannot be read).
func (q *request) connVar(id vars.ID) (string, bool) {
	switch id {
	case vars.Pipe:
		if q.r.Pipelined {
			return "p", true
		}
		return ".", true
	case vars.ConnectionTime:
		ms := (q.h.Now().UnixNano() - q.r.Conn.Born) / int64(time.Millisecond)
		if ms < 0 {
			ms = 0
		}
		return strconv.FormatInt(ms/1000, 10) + "." + pad3(ms%1000), true
	case vars.RequestCompletion:
		// the value is cached: taken before the end (in a body), it
		// stays "" in the log
		if q.completed && !q.complTaken {
			return "OK", true
		}
		q.complTaken = true
		return "", true
	}
	info, ok := q.tcpInfo()
	if !ok {
		return "", false
	}
	var n uint32
	switch id {
	case vars.TCPInfoRTT:
		n = info.Rtt
	case vars.TCPInfoRTTVar:
		n = info.Rttvar
	case vars.TCPInfoSndCwnd:
		n = info.Snd_cwnd
	case vars.TCPInfoRcvSpace:
		n = info.Rcv_space
	}
	return strconv.FormatUint(uint64(n), 10), true
}
