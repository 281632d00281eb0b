// Package memcached is the wire codec of nginx's
// ngx_http_memcached_module: the "get" request, the first line of the
// answer, and the body with its "\r\nEND\r\n" trailer. It knows bytes
// only; $memcached_key, memcached_gzip_flag and the 404/502 decisions'
// consequences belong to the caller.
package memcached
