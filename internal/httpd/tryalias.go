package httpd

import "weir/internal/vars"

// aliasTryName is a try_files name in a location whose alias replaces a
// prefix of the URI: ngx_http_try_files_handler takes that prefix off a
// name built from variables when the name starts with the URI's first
// bytes of that length, and leaves a name written without variables, or
// one that starts otherwise, whole. The file tried is the alias and the
// result, the URI the location's part of the URI and the result; and a
// last name (the fallback) loses the prefix too, so "/a/index.php?$args"
// in "location /a/" redirects to "index.php".
func (q *request) aliasTryName(v *vars.Value, name string) string {
	if _, static := v.Static(); static {
		return name
	}
	n := q.lc.AliasLen
	if n <= len(name) && n <= len(q.uri) && name[:n] == q.uri[:n] {
		return name[n:]
	}
	return name
}
