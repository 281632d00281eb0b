package difftest

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A client identifier as nginx encodes it: service 0x7F000001
// (127.0.0.1), time, start value and sequence, big-endian ("on").
const (
	uidCookie   = "fwAAAWZg+m1SSAAAAwMDAg=="
	uidCookieX  = "fwAAAWZg+m1SSAAAAwMDAgX="
	uidGotValue = "0100007F6DFA60660000485202030303"
)

// TestUserID compares what the userid filter does with a cookie the
// client sends: $uid_got, the cookie re-sent only to add userid_mark,
// the error-log lines of a short or broken cookie, userid off and log,
// and the cookie found among others and in a second Cookie line.
func TestUserID(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format uid '$status $uri got=$uid_got set=$uid_set reset=$uid_reset';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log uid;
        userid on;
        userid_expires max;
        location / { return 200 "got=$uid_got\n"; }
        location /mark { userid_mark X; return 200 "got=$uid_got set=$uid_set\n"; }
        location /markeq { userid_mark =; userid_p3p 'CP="NOI"'; userid_flags httponly samesite=strict; return 200 "got=$uid_got\n"; }
        location /name { userid_name visitor; return 200 "got=$uid_got\n"; }
        location /log { userid log; return 200 "got=$uid_got set=$uid_set\n"; }
        location /off { userid off; return 200 "got=$uid_got set=$uid_set\n"; }
        location /zero { set $uid_reset 0; userid_mark Z; return 200 "got=$uid_got\n"; }
        location /file { userid_mark M; }
        location /missing { userid_mark M; }
        location /v1 { userid v1; userid_mark 1; return 200 "got=$uid_got set=$uid_set\n"; }
    }
`,
		files: map[string]string{"file/f.txt": "file\n"},
		cases: []tc{
			get("cookie", "/", "Cookie: uid="+uidCookie),
			get("cookie among others", "/", "Cookie: a=1; uid="+uidCookie+"; b=2"),
			get("cookie second line", "/", "Cookie: a=1", "Cookie: uid="+uidCookie),
			get("cookie spaces", "/", "Cookie: uid = "+uidCookie),
			get("cookie case", "/", "Cookie: UID="+uidCookie),
			get("cookie without padding", "/", "Cookie: uid="+uidCookie[:22]),
			get("cookie garbage padding", "/", "Cookie: uid="+uidCookie[:22]+"xyz"),
			get("mark added", "/mark", "Cookie: uid="+uidCookie),
			get("mark present", "/mark", "Cookie: uid="+uidCookieX),
			get("mark other", "/mark", "Cookie: uid="+uidCookie[:22]+"Y="),
			get("mark equals", "/markeq", "Cookie: uid="+uidCookie),
			get("mark equals other", "/markeq", "Cookie: uid="+uidCookieX),
			get("mark file", "/file/f.txt", "Cookie: uid="+uidCookie),
			get("mark 404", "/missing", "Cookie: uid="+uidCookie),
			req("mark head", "HEAD", "/file/f.txt", "Cookie: uid="+uidCookie),
			get("mark 304", "/file/f.txt", "Cookie: uid="+uidCookie, "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("name", "/name", "Cookie: visitor="+uidCookie),
			get("name other", "/name", "Cookie: uid="+uidCookie+"; visitor="+uidCookie),
			get("log short", "/log", "Cookie: uid=short"),
			get("log invalid", "/log", "Cookie: a=b; uid="+uidCookie[:10]+"-"+uidCookie[11:]),
			get("log padding inside", "/log", "Cookie: uid="+uidCookie[:20]+"=AAAAA"),
			get("log padding at 21", "/log", "Cookie: uid="+uidCookie[:21]+"=AAAA"),
			get("log zero", "/log", "Cookie: uid=AAAAAAAAAAAAAAAAAAAAAA=="),
			get("log cookie", "/log", "Cookie: uid="+uidCookie),
			get("log none", "/log"),
			get("off", "/off", "Cookie: uid="+uidCookie),
			get("off short", "/off", "Cookie: uid=short"),
			get("reset zero", "/zero", "Cookie: uid="+uidCookie),
			get("v1 mark", "/v1", "Cookie: uid="+uidCookie),
		},
	})
}

// uidFields decodes the identifier of a Set-Cookie value and splits off
// the attributes after it.
func uidFields(v string, bigEndian bool) (w [4]uint32, attrs string, err error) {
	_, rest, _ := strings.Cut(v, "=")
	val, attrs, _ := strings.Cut(rest, ";")
	if len(val) != 24 {
		return w, "", fmt.Errorf("cookie value %q is not 24 characters", val)
	}
	b, err := base64.StdEncoding.DecodeString(val)
	if err != nil {
		return w, "", err
	}
	for i := range w {
		if bigEndian {
			w[i] = binary.BigEndian.Uint32(b[4*i:])
		} else {
			w[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
	}
	return w, attrs, nil
}

// TestUserIDNew compares the identifiers the two servers make: the same
// service word (the server address or userid_service), a time within a
// second or two of now, the process's start value (its pid in the low
// 16 bits) and the same sequence (both start at 0x03030302 for "on" and
// at 1 for v1, one step of 0x100 a cookie), and the same attributes
// (userid_expires as a date near now plus the time).
func TestUserIDNew(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	t.Parallel()
	st := &site{http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        userid on;
        location / { return 200 "set=$uid_set\n"; }
        location /svc { userid_service 258; userid_domain example.com; userid_path /p; userid_p3p 'CP="x"'; userid_flags secure httponly samesite=lax; return 204; }
        location /exp { userid_expires 1h; userid_mark X; return 204; }
        location /max { userid_expires max; userid_name visitor; return 204; }
        location /v1 { userid v1; userid_service 7; return 204; }
        location /v1b { userid v1; return 204; }
        location /reset { set $uid_reset log; return 204; }
        location /resetmark { set $uid_reset 1; userid_mark X; return 204; }
    }
`}
	ng, we := startPair(t, st)
	type check struct {
		uri, cookie string
		v1          bool
	}
	for _, c := range []check{
		{uri: "/"}, {uri: "/"}, {uri: "/svc"}, {uri: "/exp"}, {uri: "/max"},
		{uri: "/v1", v1: true}, {uri: "/v1b", v1: true}, {uri: "/v1", v1: true},
		{uri: "/", cookie: "uid=AAAAAAAAAAAAAAAAAAAAAA=="},
		{uri: "/reset", cookie: "uid=" + uidCookie}, {uri: "/resetmark", cookie: "uid=" + uidCookieX},
	} {
		hdr := []string{}
		if c.cookie != "" {
			hdr = append(hdr, "Cookie: "+c.cookie)
		}
		cs := get(c.uri, c.uri, hdr...)
		var got [2]string
		var words [2][4]uint32
		for i, s := range []*server{ng, we} {
			ex := send(cs, s.addr(0))
			if len(ex.resps) != 1 {
				t.Fatalf("%s %s: no response", s.name, c.uri)
			}
			v, ok := ex.resps[0].get("Set-Cookie")
			if !ok {
				t.Fatalf("%s %s: no Set-Cookie", s.name, c.uri)
			}
			w, attrs, err := uidFields(v, !c.v1)
			if err != nil {
				t.Fatalf("%s %s: %v", s.name, c.uri, err)
			}
			if d := int64(w[1]) - time.Now().Unix(); d < -3 || d > 3 {
				t.Errorf("%s %s: time word %d is not now", s.name, c.uri, w[1])
			}
			if pid := uint32(s.cmd.Process.Pid); (w[2]^pid)&0xffff != 0 {
				t.Errorf("%s %s: start word %08x does not hold the pid %d", s.name, c.uri, w[2], pid)
			}
			if p3p, ok := ex.resps[0].get("P3P"); ok {
				attrs += " P3P: " + p3p
			}
			words[i] = w
			got[i] = v[:strings.Index(v, "=")] + " " + expiresRe(attrs)
		}
		if words[0][0] != words[1][0] || words[0][3] != words[1][3] {
			t.Errorf("%s: service and sequence words differ: nginx %08x %08x, weir %08x %08x", c.uri, words[0][0], words[0][3], words[1][0], words[1][3])
		}
		if got[0] != got[1] {
			t.Errorf("%s: cookies differ:\nnginx: %s\nweir:  %s", c.uri, got[0], got[1])
		}
	}
	t.Run("logs", func(t *testing.T) { compareLogs(t, tc{name: "logs"}, ng, we, nil) })
}

// expiresRe replaces a relative "expires=" date by how far it is from
// now, rounded to the minute.
func expiresRe(attrs string) string {
	i := strings.Index(attrs, "expires=")
	if i < 0 {
		return attrs
	}
	end := strings.Index(attrs[i:], ";")
	if end < 0 {
		end = len(attrs) - i
	}
	date := attrs[i+len("expires=") : i+end]
	if tm, err := time.Parse("Mon, 02-Jan-06 15:04:05 MST", date); err == nil && tm.Year() < 2037 {
		date = fmt.Sprintf("now+%v", time.Until(tm).Round(time.Minute))
	}
	return attrs[:i] + "expires=" + date + attrs[i+end:]
}
