package httpd

import (
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/upstream"
)

// rewriteRedirect applies proxy_redirect to a Location or Refresh value
// (ngx_http_proxy_rewrite_redirect): the first rule whose pattern matches
// replaces it. Without proxy_redirect the "default" rule applies: the
// proxy_pass URL (or its scheme and host with "/") becomes the location's
// name (or "/").
func (q *request) rewriteRedirect(name, v string) (string, bool) {
	pl := &q.lc.Proxy
	if !pl.Redirects.Set {
		return q.defaultRedirectOK(v)
	}
	prefix := ""
	val := v
	if strings.EqualFold(name, "refresh") {
		// only the url= part of a Refresh is rewritten
		i := strings.Index(strings.ToLower(v), "url=")
		if i < 0 {
			return v, false
		}
		prefix, val = v[:i+4], v[i+4:]
	}
	for _, r := range pl.Redirects.V {
		if r.From.Re != nil {
			if q.matchCaptures(r.From.Re, val) {
				return prefix + q.eval(r.To), true
			}
			continue
		}
		if r.From.Value == nil {
			if r.Default {
				if out, ok := q.defaultRedirectOK(val); ok {
					return prefix + out, true
				}
			}
			continue
		}
		from := q.eval(r.From.Value)
		if from != "" && strings.HasPrefix(val, from) {
			return prefix + q.eval(r.To) + val[len(from):], true
		}
	}
	return v, false
}

// defaultRedirectOK is "proxy_redirect default": only for a proxy_pass
// without variables.
func (q *request) defaultRedirectOK(v string) (string, bool) {
	p := q.lc.Proxy.Pass
	if p == nil || p.Value != nil || q.loc == nil {
		return v, false
	}
	px := q.px
	var from, to string
	if p.HasURI {
		from = px.scheme + p.Host + q.eval(p.URI)
		to = q.loc.Name
	} else {
		from = px.scheme + p.Host + "/"
		to = "/"
	}
	if strings.HasPrefix(v, from) {
		return to + v[len(from):], true
	}
	return v, false
}

// rewriteCookie applies proxy_cookie_domain and proxy_cookie_path to a
// Set-Cookie value (ngx_http_proxy_rewrite_cookie).
func (q *request) rewriteCookie(v string) string {
	pl := &q.lc.Proxy
	if len(pl.CookieDomains.V) > 0 {
		v = q.rewriteCookieAttr(v, "domain=", pl.CookieDomains.V, false)
	}
	if len(pl.CookiePaths.V) > 0 {
		v = q.rewriteCookieAttr(v, "path=", pl.CookiePaths.V, true)
	}
	return v
}

func (q *request) rewriteCookieAttr(v, attr string, rules []*config.CookieRewrite, prefix bool) string {
	lower := strings.ToLower(v)
	i := strings.Index(lower, ";")
	for i >= 0 {
		j := i + 1
		for j < len(v) && v[j] == ' ' {
			j++
		}
		if strings.HasPrefix(lower[j:], attr) {
			start := j + len(attr)
			end := strings.IndexByte(v[start:], ';')
			if end < 0 {
				end = len(v)
			} else {
				end += start
			}
			val := v[start:end]
			for _, r := range rules {
				if r.From.Re != nil {
					if q.matchCaptures(r.From.Re, val) {
						return v[:start] + q.eval(r.To) + v[end:]
					}
					continue
				}
				from := q.eval(r.From.Value)
				if prefix {
					if strings.HasPrefix(val, from) {
						return v[:start] + q.eval(r.To) + val[len(from):] + v[end:]
					}
				} else if strings.EqualFold(strings.TrimPrefix(val, "."), strings.TrimPrefix(from, ".")) {
					// the value's leading dot stays (ngx_http_proxy_rewrite_cookie_value)
					dot := ""
					if strings.HasPrefix(val, ".") {
						dot = "."
					}
					return v[:start] + dot + strings.TrimPrefix(q.eval(r.To), ".") + v[end:]
				}
			}
			return v
		}
		k := strings.IndexByte(lower[i+1:], ';')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return v
}

// tunnel turns a 101 answer into a two-way byte tunnel between client and
// upstream (ngx_http_upstream_upgrade, ngx_http_upstream_process_upgraded).
// Each direction ends when its reader sees EOF, which is passed on as a
// half close; the tunnel ends when both have, or when no byte moved for
// proxy_read_timeout.
func (q *request) tunnel(peer *upstream.Peer) {
	px := q.px
	w := q.w
	q.prepareHeader()
	w.KeepAlive = false
	if err := w.WriteHeader(); err != nil {
		q.finishUpstream(peer, false, 0)
		return
	}
	client, rest, err := w.Hijack()
	if err != nil {
		q.finishUpstream(peer, false, 0)
		return
	}
	up := px.conn
	px.conn = nil
	defer func() {
		client.Close()
		up.Close()
		px.st.responseTime = time.Since(px.start)
		px.pick.Free(peer, upstream.StateOK)
	}()
	timeout := q.px.uc.ReadTimeout.V
	// bytes the client sent after its request header, and bytes the
	// upstream sent after its 101 header
	if len(rest) > 0 {
		up.SetWriteDeadline(time.Now().Add(timeout))
		if _, err := up.Write(rest); err != nil {
			return
		}
	}
	if extra := px.hbuf[px.hdone:px.hlen]; len(extra) > 0 {
		client.SetWriteDeadline(time.Now().Add(timeout))
		if _, err := client.Write(extra); err != nil {
			return
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	var upBytes, downBytes int64
	go func() {
		defer wg.Done()
		upBytes = pipe(up.Conn, client, timeout)
	}()
	go func() {
		defer wg.Done()
		downBytes = pipe(client, up.Conn, timeout)
	}()
	wg.Wait()
	px.st.sent += upBytes
	px.st.received += downBytes
	px.st.length = downBytes
	q.extraSent += downBytes + int64(len(px.hbuf[px.hdone:px.hlen]))
}

// pipe copies src to dst until EOF or an error, each read bounded by
// timeout; at EOF it half-closes dst so the other side sees the end, on
// an error it closes both so the opposite direction ends too.
func pipe(dst, src net.Conn, timeout time.Duration) int64 {
	bp := bodyBufPool.Get().(*[]byte)
	defer bodyBufPool.Put(bp)
	buf := *bp
	var total int64
	for {
		src.SetReadDeadline(time.Now().Add(timeout))
		n, err := src.Read(buf)
		if n > 0 {
			dst.SetWriteDeadline(time.Now().Add(timeout))
			if _, werr := dst.Write(buf[:n]); werr != nil {
				src.Close()
				dst.Close()
				return total
			}
			total += int64(n)
		}
		if err == io.EOF {
			if cw, ok := dst.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			} else {
				dst.Close()
			}
			return total
		}
		if err != nil {
			src.Close()
			dst.Close()
			return total
		}
	}
}
