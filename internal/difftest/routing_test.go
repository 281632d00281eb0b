package difftest

import "testing"

// TestRouting covers virtual server selection: exact, wildcard and regex
// server names, default_server, "" for requests without Host, several
// servers on one port and one server on two ports.
func TestRouting(t *testing.T) {
	ret := func(what string) string {
		return `default_type text/plain; return 200 "` + what + ` host=$host sn=$server_name port=$server_port\n";`
	}
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name first.test;
        ` + ret("first") + `
    }
    server {
        listen 127.0.0.1:{{PORT}} default_server;
        listen 127.0.0.1:{{PORT2}};
        server_name dflt.test;
        ` + ret("default") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name exact.test www.exact.test;
        ` + ret("exact") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name *.wild.test;
        ` + ret("leading-wildcard") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name *.deep.wild.test;
        ` + ret("longer-wildcard") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name www.tail.*;
        ` + ret("trailing-wildcard") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name .dot.test;
        ` + ret("dot") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name ~^(?<sub>[a-z]+)\.re\.test$;
        default_type text/plain;
        return 200 "regex sub=$sub host=$host sn=$server_name\n";
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name ~^(\w+)-(\d+)\.num\.test$;
        default_type text/plain;
        location / { return 200 "regex-num $1 $2\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name "~^www\.exact\.test$" "~.*\.wild\.test$";
        ` + ret("regex-loses") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name "";
        ` + ret("empty-name") + `
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name port2.test;
        ` + ret("port2-only") + `
    }`,
		cases: []tc{
			get("exact first", "/", "Host: first.test"),
			get("exact upper case host", "/", "Host: FIRST.Test"),
			get("host with port", "/", "Host: first.test:8080"),
			get("host trailing dot", "/", "Host: first.test."),
			get("second exact name", "/", "Host: www.exact.test"),
			get("leading wildcard", "/", "Host: a.wild.test"),
			get("leading wildcard two labels", "/", "Host: a.b.wild.test"),
			get("longest leading wildcard", "/", "Host: x.deep.wild.test"),
			get("wildcard base name", "/", "Host: wild.test"),
			get("trailing wildcard", "/", "Host: www.tail.org"),
			get("trailing wildcard two labels", "/", "Host: www.tail.co.uk"),
			get("dot name base", "/", "Host: dot.test"),
			get("dot name sub", "/", "Host: a.dot.test"),
			// an empty first label: nginx's wildcard hash still finds
			// the name below it
			get("leading dot host, star name", "/", "Host: .wild.test"),
			get("leading dot host, dot name", "/", "Host: .dot.test"),
			get("leading dot host, longer star name", "/", "Host: .deep.wild.test"),
			get("regex named capture", "/", "Host: abc.re.test"),
			get("regex upper case host", "/", "Host: ABC.re.test"),
			get("regex numbered captures", "/", "Host: foo-12.num.test"),
			get("regex no match", "/", "Host: foo-x.num.test"),
			get("unknown host default_server", "/", "Host: unknown.test"),
			get("ip host", "/", "Host: 127.0.0.1"),
			raw("http10 without host", "GET / HTTP/1.0\r\n\r\n"),
			raw("http09 style", "GET /\r\n"),
			get("http11 without host", "/", "Host:"),
			raw("empty host value", "GET / HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n"),
			get("invalid host slash", "/", "Host: a/b"),
			get("invalid host dotdot", "/", "Host: a..b"),
			get("host ipv6 literal", "/", "Host: [::1]:80"),
			get("absolute uri wins over host", "http://exact.test/", "Host: first.test"),
			get("absolute uri with port", "http://first.test:99/x", "Host: other"),
			get("port2 default", "/", "Host: nothing.test").onPort2(),
			get("port2 own name", "/", "Host: port2.test").onPort2(),
			get("port2 name of port1 server", "/", "Host: first.test").onPort2(),
			get("port1 name of port2 server", "/", "Host: port2.test"),
		},
	})
}

// TestRoutingConflicts covers names two servers share (a startup warning,
// the first server wins), "_", upper-case names and a default_server on
// the second port.
func TestRoutingConflicts(t *testing.T) {
	ret := func(what string) string {
		return `default_type text/plain; return 200 "` + what + ` sn=$server_name\n";`
	}
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}};
        server_name _ Shared.Test;
        ` + ret("first") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name shared.test *.wild.test;
        ` + ret("second") + `
    }
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} default_server;
        server_name .wild.test;
        ` + ret("third") + `
    }`,
		cases: []tc{
			get("shared name first wins", "/", "Host: shared.test"),
			get("underscore is a name", "/", "Host: _"),
			get("wildcard conflict", "/", "Host: a.wild.test"),
			get("dot name exact part", "/", "Host: wild.test"),
			get("default of port1 is first", "/", "Host: nothing"),
			get("default_server on port2", "/", "Host: nothing").onPort2(),
			get("shared name on port2", "/", "Host: shared.test").onPort2(),
		},
	})
}
