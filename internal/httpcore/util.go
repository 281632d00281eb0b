package httpcore

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// errnoText formats a system error as nginx does, "104: Connection reset
// by peer", falling back to the error's own text.
func errnoText(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		t := en.Error()
		if t != "" && 'a' <= t[0] && t[0] <= 'z' {
			t = string(t[0]-'a'+'A') + t[1:]
		}
		return fmt.Sprintf("%d: %s", uintptr(en), t)
	}
	return err.Error()
}

func netipUnmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// httpTime is the layout of the Date and Last-Modified fields.
const httpTime = "Mon, 02 Jan 2006 15:04:05 GMT"

type cachedDate struct {
	sec int64
	b   []byte
}

var dateCache atomic.Pointer[cachedDate]

// appendDate appends the current time in HTTP format, formatting it once
// per second as nginx's ngx_cached_http_time does.
func appendDate(dst []byte, now int64) []byte {
	sec := now / int64(time.Second)
	d := dateCache.Load()
	if d == nil || d.sec != sec {
		d = &cachedDate{sec: sec, b: time.Unix(sec, 0).UTC().AppendFormat(make([]byte, 0, 29), httpTime)}
		dateCache.Store(d)
	}
	return append(dst, d.b...)
}

// unsafeBytes returns the bytes of s without copying; they must not be
// modified.
func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

type timeDuration = time.Duration

// errShortFile: the file ended before the announced length.
var errShortFile = io.ErrUnexpectedEOF
