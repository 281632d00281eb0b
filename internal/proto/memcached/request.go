package memcached

const upperHex = "0123456789ABCDEF"

// escaped marks the bytes nginx's NGX_ESCAPE_MEMCACHED escapes: the
// control bytes 0x00-0x1f, space and '%'. DEL and bytes over 0x7f pass.
var escaped = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t[' '], t['%'] = true, true
	return t
}()

// AppendKey appends key escaped as ngx_escape_uri(NGX_ESCAPE_MEMCACHED)
// does: each byte of the escaped set as '%' and two upper-case hex
// digits. This is the key as sent, which the answer must echo.
func AppendKey(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if escaped[c] {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// AppendGet appends the request nginx sends, "get <escaped key>\r\n"
// (ngx_http_memcached_create_request). An empty key is the caller's
// error: nginx logs `the "$memcached_key" variable is not set` (see
// ErrKeyNotSet) and answers 500 without connecting.
func AppendGet(dst []byte, key string) []byte {
	dst = append(dst, "get "...)
	dst = AppendKey(dst, key)
	return append(dst, '\r', '\n')
}
