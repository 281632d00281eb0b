package httpd

import "strings"

// emptyArgsBeforeHash says a request target's arguments are there but
// empty because a '#' follows the '?' at once ("/x?#"): nginx's
// ngx_http_parse_complex_uri then sets r->args with a length of 0, so
// $args and $query_string are "" (found) where "/x?" leaves them unset
// ("-" in a log).
func emptyArgsBeforeHash(raw string) bool {
	_, after, ok := strings.Cut(raw, "?")
	return ok && strings.HasPrefix(after, "#")
}
