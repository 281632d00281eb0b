package static

// LookupExt returns the extension nginx looks up in the types map for
// uri ($uri, not the file path: alias and root do not change it), in
// lower case: the text after the last "." of the last path segment, as
// ngx_http_set_exten finds it. A dot that starts a segment ("/.profile")
// does not begin an extension, and, as in nginx, neither does one in the
// first two bytes of uri. It returns "" when there is no extension (or an
// empty one, "/a."), and the caller then uses default_type.
func LookupExt(uri string) string {
	for i := len(uri) - 1; i > 1; i-- {
		switch uri[i] {
		case '.':
			if uri[i-1] != '/' {
				return lower(uri[i+1:])
			}
			return ""
		case '/':
			return ""
		}
	}
	return ""
}

// lower returns s in ASCII lower case, without allocating when it already
// is.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
