package main

import (
	"strings"

	"weir/internal/config"
)

// module is one nginx module that ./configure can add or remove, with a
// directive only it defines: weir has the module when its configuration
// layer knows the directive.
type module struct {
	name      string
	directive string
}

// optIn are nginx modules that are built only with --with-NAME.
var optIn = []module{
	{"http_ssl_module", "ssl_certificate"},
	{"http_v2_module", "http2_max_concurrent_streams"},
	{"http_v3_module", "http3"},
	{"http_realip_module", "set_real_ip_from"},
	{"http_addition_module", "add_before_body"},
	{"http_sub_module", "sub_filter"},
	{"http_dav_module", "dav_methods"},
	{"http_flv_module", "flv"},
	{"http_mp4_module", "mp4"},
	{"http_gunzip_module", "gunzip"},
	{"http_gzip_static_module", "gzip_static"},
	{"http_auth_request_module", "auth_request"},
	{"http_random_index_module", "random_index"},
	{"http_secure_link_module", "secure_link"},
	{"http_slice_module", "slice"},
	{"http_stub_status_module", "stub_status"},
}

// optOut are nginx's standard HTTP modules, built unless --without-NAME.
var optOut = []module{
	{"http_charset_module", "charset"},
	{"http_gzip_module", "gzip"},
	{"http_ssi_module", "ssi"},
	{"http_userid_module", "userid"},
	{"http_access_module", "allow"},
	{"http_auth_basic_module", "auth_basic"},
	{"http_mirror_module", "mirror"},
	{"http_autoindex_module", "autoindex"},
	{"http_geo_module", "geo"},
	{"http_map_module", "map"},
	{"http_split_clients_module", "split_clients"},
	{"http_referer_module", "valid_referers"},
	{"http_rewrite_module", "rewrite"},
	{"http_proxy_module", "proxy_pass"},
	{"http_fastcgi_module", "fastcgi_pass"},
	{"http_uwsgi_module", "uwsgi_pass"},
	{"http_scgi_module", "scgi_pass"},
	{"http_grpc_module", "grpc_pass"},
	{"http_memcached_module", "memcached_pass"},
	{"http_limit_conn_module", "limit_conn"},
	{"http_limit_req_module", "limit_req"},
	{"http_empty_gif_module", "empty_gif"},
	{"http_browser_module", "modern_browser"},
	{"http_upstream_hash_module", "hash"},
	{"http_upstream_ip_hash_module", "ip_hash"},
	{"http_upstream_least_conn_module", "least_conn"},
	{"http_upstream_random_module", "random"},
	{"http_upstream_keepalive_module", "keepalive"},
	{"http_upstream_zone_module", "zone"},
}

// configureArgs is the "configure arguments:" text of -V (NGX_CONFIGURE,
// which starts with a space): the paths weir was built with, then the
// truth about its modules, computed from the directive table so that it
// stays true as modules arrive.
func configureArgs() string {
	var b strings.Builder
	b.WriteString(" --prefix=" + config.DefaultPrefix)
	b.WriteString(" --conf-path=" + config.DefaultConf)
	b.WriteString(" --error-log-path=logs/error.log")
	b.WriteString(" --pid-path=logs/nginx.pid")
	b.WriteString(" --http-log-path=logs/access.log")
	for _, m := range optIn {
		if config.Known(m.directive) {
			b.WriteString(" --with-" + m.name)
		}
	}
	if !config.Known("http") {
		b.WriteString(" --without-http")
	}
	for _, m := range optOut {
		if !config.Known(m.directive) {
			b.WriteString(" --without-" + m.name)
		}
	}
	return b.String()
}
