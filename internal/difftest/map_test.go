package difftest

import "testing"

// TestMap compares map variables: exact keys (case-insensitive), regexes
// with their captures, defaults, hostnames maps, values with variables,
// caching and volatile, and the idioms real sites use them for
// (access_log if=$loggable, the Connection of a WebSocket proxy).
func TestMap(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format mapped '$status $uri m=[$m] loggable=$loggable up=[$connection_upgrade] n=[$name]';
    map $status $loggable {
        ~^[23] 0;
        default 1;
    }
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' close;
    }
    map $uri $m {
        default "def:$uri";
        /exact exact;
        /Case case;
        \default escaped-default;
        \~tilde tilde;
        ~^/re/(?<name>[a-z]+)/(\d+)$ "re:$name:$2:$1";
        ~*^/CI/(.*) "ci:$1";
        /nested "$http_x_a-$arg_b-$uri";
        /loc/exact "loc-exact:$1";
        ~^/loc/re/(.*) "loc-re:$1";
        ~^/loc/nocap "loc-nocap:$1";
        /static/missing.txt logged;
    }
    map $m $nested {
        default "nested($m)";
        exact "nested-exact";
    }
    map $host $h {
        hostnames;
        default none;
        example.com exact;
        .example.org dot;
        *.example.com star;
        *.b.example.com deeper;
        www.example.* tail;
        ~^(?<sub>[^.]+)\.example\.net$ "re:$sub";
    }
    map $http_host $hh {
        hostnames;
        .example.com yes;
        ~\.$ dot-regex;
    }
    map $arg_v $cached {
        default "[$arg_v]";
    }
    map $arg_v $vol {
        volatile;
        default "[$arg_v]";
    }
    map "$arg_a$arg_b" $src {
        12 twelve;
        "" empty;
        ~^~ "no regex for the empty source";
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        access_log logs/access.log mapped if=$loggable;

        location / { return 200 "m=$m nested=$nested\n"; }
        location ~ ^/loc(/.*)$ { return 200 "m=$m 1=$1 name=[$name]\n"; }
        location /host { return 200 "h=$h hh=[$hh] sub=[$sub]\n"; }
        location /up { return 200 "up=$connection_upgrade\n"; }
        location /cache { set $args "v=1"; set $a $cached; set $b $vol; set $args "v=2"; return 200 "$a $cached $b $vol\n"; }
        location /src { return 200 "src=$src\n"; }
        location /set { set $m "was-set"; return 200 "m=$m nested=$nested\n"; }
        location /readset { set $x $m; set $m "later"; return 200 "$x $m\n"; }
        location /static/ { }
        location /if { if ($m = "def:/if") { return 204; } return 200 "no\n"; }
    }`,
		files: map[string]string{
			"static/f.txt": "f\n",
		},
		cases: []tc{
			get("exact", "/exact"),
			get("exact case-insensitive source", "/EXACT"),
			get("exact case-insensitive key", "/case"),
			get("default with variable", "/other/path"),
			get("escaped default key", "/default"),
			get("escaped tilde key", "/~tilde"),
			get("regex with captures", "/re/abc/42"),
			get("regex no match falls to default", "/re/ABC/42"),
			get("caseless regex", "/ci/Stuff"),
			get("values with nested variables", "/nested?b=bee", "X-A: ay"),
			get("values with missing variables", "/nested"),
			get("location capture in exact value", "/loc/exact"),
			get("map capture replaces location capture", "/loc/re/deep"),
			get("regex without groups keeps captures", "/loc/nocap"),
			get("hostnames exact", "/host", "Host: example.com"),
			get("hostnames upper case", "/host", "Host: EXAMPLE.COM"),
			get("hostnames trailing dot host", "/host", "Host: a.example.com."),
			get("hostnames star", "/host", "Host: a.example.com"),
			get("hostnames star deeper", "/host", "Host: x.y.example.com"),
			get("hostnames longest wildcard", "/host", "Host: x.b.example.com"),
			get("hostnames star needs a label", "/host", "Host: b.example.com"),
			get("hostnames dot bare", "/host", "Host: example.org"),
			get("hostnames dot sub", "/host", "Host: a.b.example.org"),
			get("hostnames tail", "/host", "Host: www.example.co.uk"),
			get("hostnames tail needs a label", "/host", "Host: www.example"),
			get("hostnames regex named capture", "/host", "Host: foo.example.net"),
			get("hostnames default", "/host", "Host: other"),
			get("upgrade websocket", "/up", "Upgrade: websocket"),
			get("upgrade absent", "/up"),
			get("upgrade empty", "/up", "Upgrade: "),
			get("cached for the request, volatile not", "/cache"),
			get("source of two variables", "/src?a=1&b=2"),
			get("empty source is no regex subject", "/src"),
			get("set overrides a map", "/set"),
			get("set after a read", "/readset"),
			get("if on a map", "/if"),
			get("logged only when not 2xx or 3xx", "/static/missing.txt"),
			get("static not logged", "/static/f.txt"),
			get("redirect not logged", "/static"),
		},
	})
}

// TestMapOverrides compares what a map does to variables of the same
// name: a later map of one variable wins, a named capture compiled after
// a map takes the variable over (and one compiled before loses it), and a
// map of $args changes what $args reads, not the request's arguments; a
// map that reads itself stops after nginx's 100 levels.
func TestMapOverrides(t *testing.T) {
	runSite(t, &site{
		http: `
    map $uri $twice {
        default first;
    }
    map $uri $cap {
        default mapped;
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        default_type text/plain;

        location ~ ^/ncap/(?<cap>.*)$ { return 200 "cap=[$cap] later=[$later] twice=$twice\n"; }
        location ~ ^/nlater/(?<later>.*)$ { return 200 "later=[$later]\n"; }
        location /read { return 200 "cap=[$cap] later=[$later] twice=$twice args=[$args] arg=[$arg_x] q=[$query_string]\n"; }
        location /setargs { set $args "x=set"; return 200 "args=[$args] arg=[$arg_x]\n"; }
        location /cycle { return 200 "[$cycle]\n"; }
        location /redir { rewrite ^ /read/target redirect; }
    }
    map $uri $twice {
        default second;
    }
    map $uri $later {
        default later-map;
    }
    map $cycle $cycle {
        default "x$cycle";
    }
    map $uri $args {
        /read/a "x=mapped";
        default "$arg_x";
    }`,
		cases: []tc{
			get("capture compiled after the map", "/ncap/value"),
			get("capture compiled after the map, no match", "/read?x=1"),
			get("map after the capture", "/nlater/value"),
			get("map of args", "/read/a?x=1"),
			get("set args with a map of args", "/setargs?x=1"),
			get("redirect keeps the real args", "/redir?x=1"),
			get("a map that reads itself", "/cycle"),
		},
	})
}

// TestMapVolatileLog compares a volatile map with a cached one across a
// rewrite: the script and the access log see the volatile one follow the
// URI, the cached one keep its first value; set fixes either.
func TestMapVolatileLog(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format vol '$status $uri v=[$v] c=[$c]';
    map $uri $v {
        volatile;
        default "v:$uri";
    }
    map $uri $c {
        default "c:$uri";
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        default_type text/plain;
        access_log logs/access.log vol;

        location /read/ { set $x "$v $c"; rewrite ^ /other/reread last; }
        location /readonly/ { set $x "$v $c"; rewrite ^ /other/ last; }
        location /unread/ { rewrite ^ /other/ last; }
        location /setv/ { set $v "set"; set $c "set"; rewrite ^ /other/reread last; }
        location = /other/ { return 200 "x=$x\n"; }
        location = /other/reread { return 200 "x=$x v=$v c=$c\n"; }
    }`,
		cases: []tc{
			get("read before the uri changes", "/read/a"),
			get("logged after the uri changes", "/readonly/a"),
			get("never read", "/unread/a"),
			get("set on maps", "/setv/a"),
		},
	})
}
