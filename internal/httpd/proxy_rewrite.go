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
	if q.px.tr != &httpTransport {
		return v, false // only the proxy module sets u->rewrite_redirect
	}
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

// rewriteCookie applies proxy_cookie_domain, proxy_cookie_path and
// proxy_cookie_flags to a Set-Cookie value (ngx_http_proxy_rewrite_cookie):
// the value is split into its attributes; every Domain and Path
// attribute is rewritten by the first rule that matches it, the flags of
// the first proxy_cookie_flags rule naming the cookie are applied, and a
// cookie so changed is written again from its attributes, joined by
// "; ". A value without "=" in its first part is left alone.
func (q *request) rewriteCookie(v string) string {
	pl := &q.lc.Proxy
	domains, paths, flags := pl.CookieDomains.V, pl.CookiePaths.V, pl.CookieFlags.V
	if q.px.tr != &httpTransport || len(domains) == 0 && len(paths) == 0 && len(flags) == 0 {
		return v
	}
	attrs := parseCookie(v)
	if !attrs[0].hasValue {
		return v
	}
	changed := false
	for i := 1; i < len(attrs); i++ {
		a := &attrs[i]
		if !a.hasValue {
			continue
		}
		var rules []*config.CookieRewrite
		domain := false
		switch {
		case len(domains) > 0 && strings.EqualFold(a.key, "domain"):
			rules, domain = domains, true
		case len(paths) > 0 && strings.EqualFold(a.key, "path"):
			rules = paths
		default:
			continue
		}
		if nv, ok := q.rewriteCookieValue(a.value, rules, domain); ok {
			a.value = nv
			changed = true
		}
	}
	if len(flags) > 0 && q.rewriteCookieFlags(&attrs, flags) {
		changed = true
	}
	if !changed {
		return v
	}
	b := make([]byte, 0, len(v)+32)
	for i, a := range attrs {
		if a.drop {
			continue
		}
		if i > 0 {
			b = append(b, "; "...)
		}
		b = append(b, a.key...)
		if a.hasValue {
			b = append(b, '=')
			b = append(b, a.value...)
		}
	}
	return string(b)
}

// cookieAttr is one part of a Set-Cookie value between semicolons, its
// key and value trimmed of spaces (ngx_http_proxy_parse_cookie); drop
// marks a flag proxy_cookie_flags removed.
type cookieAttr struct {
	key, value     string
	hasValue, drop bool
}

func parseCookie(v string) []cookieAttr {
	var attrs []cookieAttr
	for {
		part, rest, more := strings.Cut(v, ";")
		key, val, eq := strings.Cut(strings.TrimLeft(part, " "), "=")
		a := cookieAttr{key: strings.TrimRight(key, " "), hasValue: eq}
		if eq {
			a.value = strings.Trim(val, " ")
		}
		attrs = append(attrs, a)
		if !more {
			return attrs
		}
		v = rest
	}
}

// rewriteCookieValue is ngx_http_proxy_rewrite_cookie_value: the first
// rule that matches rewrites the value. A regex replaces the whole value;
// a domain is compared whole and without regard to case, past a leading
// dot the value keeps; a path is a case-sensitive prefix.
func (q *request) rewriteCookieValue(val string, rules []*config.CookieRewrite, domain bool) (string, bool) {
	for _, r := range rules {
		if r.From.Re != nil {
			if q.matchCaptures(r.From.Re, val) {
				return q.eval(r.To), true
			}
			continue
		}
		from := q.eval(r.From.Value)
		if domain {
			dot, rest := "", val
			if strings.HasPrefix(val, ".") {
				dot, rest = ".", val[1:]
			}
			if strings.EqualFold(rest, from) {
				return dot + q.eval(r.To), true
			}
		} else if strings.HasPrefix(val, from) {
			return q.eval(r.To) + val[len(from):], true
		}
	}
	return val, false
}

// The flags of proxy_cookie_flags (ngx_http_proxy_cookie_flags_masks).
const (
	cookieSecureOn = 1 << iota
	cookieSecureOff
	cookieHTTPOnlyOn
	cookieHTTPOnlyOff
	cookieSameSiteStrict
	cookieSameSiteLax
	cookieSameSiteNone
	cookieSameSiteOff
)

var cookieFlagNames = map[string]int{
	"secure": cookieSecureOn, "nosecure": cookieSecureOff,
	"httponly": cookieHTTPOnlyOn, "nohttponly": cookieHTTPOnlyOff,
	"samesite=strict": cookieSameSiteStrict, "samesite=lax": cookieSameSiteLax,
	"samesite=none": cookieSameSiteNone, "nosamesite": cookieSameSiteOff,
}

// rewriteCookieFlags is ngx_http_proxy_rewrite_cookie_flags: the first
// rule whose cookie is this one (by name without regard to case, or a
// caseless regex) gives the flags; it reports whether any applied. An
// empty or unknown flag is skipped.
func (q *request) rewriteCookieFlags(attrs *[]cookieAttr, rules []*config.CookieFlag) bool {
	name := (*attrs)[0].key
	var rule *config.CookieFlag
	for _, r := range rules {
		if r.Re != nil {
			if q.matchCaptures(r.Re, name) {
				rule = r
				break
			}
		} else if strings.EqualFold(q.eval(r.Name), name) {
			rule = r
			break
		}
	}
	if rule == nil {
		return false
	}
	f := 0
	for _, fv := range rule.Flags {
		f |= cookieFlagNames[strings.ToLower(q.eval(fv))]
	}
	if f == 0 {
		return false
	}
	editCookieFlags(attrs, f)
	return true
}

// editCookieFlags is ngx_http_proxy_edit_cookie_flags: an attribute the
// cookie has is kept (SameSite rewritten when its value differs) or
// dropped, and the flags to set that it lacks are appended.
func editCookieFlags(attrs *[]cookieAttr, f int) {
	as := *attrs
	for i := 1; i < len(as); i++ {
		a := &as[i]
		switch {
		case strings.EqualFold(a.key, "secure"):
			if f&cookieSecureOn != 0 {
				f &^= cookieSecureOn
			} else if f&cookieSecureOff != 0 {
				a.drop = true
			}
		case strings.EqualFold(a.key, "httponly"):
			if f&cookieHTTPOnlyOn != 0 {
				f &^= cookieHTTPOnlyOn
			} else if f&cookieHTTPOnlyOff != 0 {
				a.drop = true
			}
		case strings.EqualFold(a.key, "samesite"):
			if bit, text := sameSiteFlag(f); bit != 0 {
				f &^= bit
				if !strings.EqualFold(a.value, text) {
					a.key, a.value, a.hasValue = "SameSite", text, true
				}
			} else if f&cookieSameSiteOff != 0 {
				a.drop = true
			}
		}
	}
	if f&cookieSecureOn != 0 {
		as = append(as, cookieAttr{key: "Secure"})
	}
	if f&cookieHTTPOnlyOn != 0 {
		as = append(as, cookieAttr{key: "HttpOnly"})
	}
	if _, text := sameSiteFlag(f); text != "" {
		as = append(as, cookieAttr{key: "SameSite", value: text, hasValue: true})
	}
	*attrs = as
}

// sameSiteFlag is the SameSite value f asks for, strict before lax
// before none.
func sameSiteFlag(f int) (int, string) {
	switch {
	case f&cookieSameSiteStrict != 0:
		return cookieSameSiteStrict, "Strict"
	case f&cookieSameSiteLax != 0:
		return cookieSameSiteLax, "Lax"
	case f&cookieSameSiteNone != 0:
		return cookieSameSiteNone, "None"
	}
	return 0, ""
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
