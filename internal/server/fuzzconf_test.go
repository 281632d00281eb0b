package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	mrand "math/rand"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFuzzConfigTest is a differential fuzzer of broken configurations:
// from fixed seeds it takes one of a few realistic, valid configurations
// (a proxy with an upstream group, FastCGI for PHP, static files over TLS,
// maps, geo and limit_req, a stream block), breaks it at the token level
// (a missing or extra ';', '{', '}' or quote, a truncated file, a
// directive moved into another context, arguments dropped or added, a
// value replaced by a bad one, a directive that must be unique given
// twice, an include of a missing file or glob, an unknown directive, a
// directive name in another case, -g directives conflicting with the
// file) and runs nginx -t and weir -t on it with the same prefix layout.
// The exit statuses and the whole standard error, normalised (program
// name, time stamps and pids, the prefix), must be the same.
//
// By default seeds 1..300 run (a few seconds). WEIR_FUZZ_SEEDS=n runs
// seeds 1..n, WEIR_FUZZ_SEED=k only seed k. A failure logs the seed, the
// mutations and the broken configuration.
func TestFuzzConfigTest(t *testing.T) {
	if !haveNginx() {
		t.Skip("nginx is not installed")
	}
	first, last := 1, 300
	if n, err := strconv.Atoi(os.Getenv("WEIR_FUZZ_SEEDS")); err == nil && n > 0 {
		last = n
	}
	if k, err := strconv.Atoi(os.Getenv("WEIR_FUZZ_SEED")); err == nil {
		first, last = k, k
	}
	cert, key := fzCertificate(t)
	for seed := first; seed <= last; seed++ {
		r := mrand.New(mrand.NewSource(int64(seed)))
		base := fzBases[(seed-1)%len(fzBases)]
		text := base.conf
		for i := 1; i <= 3; i++ {
			text = strings.ReplaceAll(text, "PORT"+strconv.Itoa(i), strconv.Itoa(freePort(t)))
		}
		var did []string
		var globals string
		for n := 1 + fzCount(r); n > 0; n-- {
			var what string
			text, globals, what = fzMutate(r, text, globals)
			did = append(did, what)
		}
		p := newPrefix(t)
		for name, body := range base.files {
			p.write(name, body)
		}
		p.write("conf/cert.pem", cert)
		p.write("conf/cert.key", key)
		p.conf(text)
		args := p.args("-t")
		if globals != "" {
			args = append(args, "-g", globals)
		}
		n := fzNormalise(runCmd(t, nginxBin, args...), p.dir)
		for _, f := range []string{"logs/nginx.pid", "logs/other.pid"} {
			os.Remove(p.dir + f)
		}
		w := fzNormalise(runCmd(t, weirBin, args...), p.dir)
		if n.stderr == w.stderr && n.code == w.code {
			continue
		}
		if why := fzKnown(n.stderr, w.stderr); why != "" {
			t.Logf("seed %d: a known difference: %s", seed, why)
			continue
		}
		t.Errorf("seed %d (%s; %s): nginx and weir differ\nnginx (%d):\n%sweir  (%d):\n%s-g %q\nconfiguration:\n%s",
			seed, base.name, strings.Join(did, "; "), n.code, n.stderr, w.code, w.stderr, globals, fzNumbered(text))
	}
}

// fzCount is how many more mutations a seed makes: mostly none.
func fzCount(r *mrand.Rand) int {
	if r.Intn(4) == 0 {
		return 1
	}
	return 0
}

var fzStamp = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: `)

// fzNormalise puts nginx's and weir's outputs in the same words: the
// program name, time stamps and pids, the prefix.
func fzNormalise(r result, dir string) result {
	r.stderr = nginxPrefix.ReplaceAllString(r.stderr, "weir: ")
	r.stderr = fzStamp.ReplaceAllString(r.stderr, "TIME [$1] PID: ")
	r.stderr = strings.ReplaceAll(r.stderr, dir, "DIR/")
	return r
}

// fzKnown tells why a difference is one of weir's deliberate ones, or "".
func fzKnown(nginx, weir string) string {
	switch {
	case strings.Contains(nginx, "SSL_CTX_set_cipher_list(") && strings.Contains(weir, "SSL_CTX_set_cipher_list("),
		strings.Contains(nginx, ": BIO_new_file() failed (SSL: ") && strings.Contains(weir, "failed (2: No such file or directory)"):
		return "OpenSSL's words (golden ssl_weironly_*)"
	case strings.Contains(nginx, `unknown directive "stream"`):
		return "stream is built into weir; nginx's is a module loaded by load_module"
	case strings.Contains(weir, "is not supported by weir yet"):
		return "a setting weir refuses with its own reason (ssl_certificate with variables), before nginx's later error"
	case strings.Contains(nginx, `invalid number of arguments in "keepalive" directive`) && strings.Contains(weir, `invalid parameter "`):
		return "keepalive takes \"local\" since nginx 1.29.7"
	}
	return ""
}

func fzNumbered(text string) string {
	var b strings.Builder
	for i, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprintf(&b, "%3d %s\n", i+1, l)
	}
	return b.String()
}

// fzCertificate makes a self-signed certificate and its key, in PEM.
func fzCertificate(t *testing.T) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}))
}

// fzBase is a valid configuration (PORT1..PORT3 are free ports) with the
// files it needs under the prefix.
type fzBase struct {
	name  string
	conf  string
	files map[string]string
}

const fzMime = `types {
    text/html  html htm;
    text/css   css;
    application/javascript js;
    image/png  png;
    application/json json;
}
`

const fzFastCGIParams = `fastcgi_param  QUERY_STRING       $query_string;
fastcgi_param  REQUEST_METHOD     $request_method;
fastcgi_param  CONTENT_TYPE       $content_type;
fastcgi_param  CONTENT_LENGTH     $content_length;
fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
fastcgi_param  REQUEST_URI        $request_uri;
fastcgi_param  DOCUMENT_ROOT      $document_root;
fastcgi_param  SERVER_PROTOCOL    $server_protocol;
fastcgi_param  REMOTE_ADDR        $remote_addr;
fastcgi_param  SERVER_NAME        $server_name;
fastcgi_param  REDIRECT_STATUS    200;
`

var fzBases = []fzBase{
	{name: "proxy", files: map[string]string{"conf/mime.types": fzMime}, conf: `worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log warn;

events {
    worker_connections 128;
}

http {
    include mime.types;
    default_type application/octet-stream;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" $upstream_addr';
    access_log logs/access.log main;
    sendfile on;
    keepalive_timeout 65s;
    client_max_body_size 10m;

    upstream backend {
        least_conn;
        server 127.0.0.1:8081 weight=3 max_fails=2 fail_timeout=10s;
        server 127.0.0.1:8082 backup;
        keepalive 16;
    }

    server {
        listen 127.0.0.1:PORT1;
        server_name example.com www.example.com;

        location / {
            proxy_pass http://backend;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 5s;
            proxy_read_timeout 60s;
            proxy_buffers 8 16k;
            proxy_buffer_size 16k;
            proxy_next_upstream error timeout http_502;
        }

        location ~ ^/api/(v[0-9]+)/ {
            proxy_pass http://127.0.0.1:8083;
            proxy_redirect off;
        }

        location = /health {
            access_log off;
            return 200 "ok\n";
        }
    }
}
`},
	{name: "php", files: map[string]string{"conf/fastcgi_params": fzFastCGIParams}, conf: `user nobody;
worker_processes auto;
pid logs/nginx.pid;

events {
    worker_connections 256;
    multi_accept on;
}

http {
    default_type text/plain;
    index index.php index.html;
    client_body_buffer_size 16k;

    upstream php {
        server 127.0.0.1:9000;
    }

    server {
        listen 127.0.0.1:PORT1 default_server;
        server_name _;
        root html;

        location / {
            try_files $uri $uri/ /index.php?$args;
        }

        location ~ \.php$ {
            fastcgi_split_path_info ^(.+\.php)(/.+)$;
            fastcgi_pass php;
            fastcgi_index index.php;
            include fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_param PATH_INFO $fastcgi_path_info;
            fastcgi_read_timeout 30s;
            fastcgi_buffers 16 16k;
            fastcgi_intercept_errors on;
        }

        location ~ /\.ht {
            deny all;
        }
    }
}
`},
	{name: "tls", files: map[string]string{"conf/mime.types": fzMime}, conf: `pid logs/nginx.pid;
error_log logs/error.log;

events {}

http {
    include mime.types;
    ssl_session_cache shared:SSL:1m;
    ssl_session_timeout 10m;
    gzip on;
    gzip_types text/css application/javascript;
    gzip_min_length 256;

    server {
        listen 127.0.0.1:PORT1 ssl http2;
        server_name localhost;
        ssl_certificate cert.pem;
        ssl_certificate_key cert.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers HIGH:!aNULL:!MD5;
        ssl_prefer_server_ciphers on;
        root html;

        location / {
            try_files $uri $uri/ =404;
            expires 1h;
            add_header Cache-Control "public" always;
        }

        location /images/ {
            alias html/img/;
            autoindex on;
        }

        error_page 404 /404.html;
        error_page 500 502 503 504 /50x.html;
        location = /50x.html {
            internal;
        }
    }

    server {
        listen 127.0.0.1:PORT2;
        server_name localhost;
        return 301 https://$host$request_uri;
    }
}
`},
	{name: "limits", files: map[string]string{"conf/htpasswd": "admin:{PLAIN}secret\n", "conf/conf.d/extra.conf": "map $arg_x $extra {\n    default 0;\n    1 yes;\n}\n"}, conf: `pid logs/nginx.pid;
events { worker_connections 64; }

http {
    map $http_user_agent $bot {
        default 0;
        ~*bot 1;
        "~*crawl" 1;
    }

    geo $remote_addr $trusted {
        default 0;
        127.0.0.0/8 1;
        10.0.0.0/8 1;
    }

    split_clients "${remote_addr}AAA" $variant {
        50% a;
        * b;
    }

    include conf.d/*.conf;

    limit_req_zone $binary_remote_addr zone=perip:10m rate=10r/s;
    limit_conn_zone $binary_remote_addr zone=addr:10m;

    server {
        listen 127.0.0.1:PORT1;

        location / {
            limit_req zone=perip burst=20 nodelay;
            limit_conn addr 10;
            limit_req_status 429;
            if ($bot) {
                return 403;
            }
            set $x "$variant-$trusted";
            rewrite ^/old/(.*)$ /new/$1 permanent;
            return 200 $x;
        }

        location /admin {
            allow 127.0.0.1;
            deny all;
            auth_basic "Admin";
            auth_basic_user_file htpasswd;
        }
    }
}
`},
	{name: "stream", conf: `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
pid logs/nginx.pid;

events {
    worker_connections 64;
}

stream {
    upstream dns {
        server 127.0.0.1:5353;
        server 127.0.0.1:5354 weight=2;
    }

    upstream db {
        hash $remote_addr consistent;
        server 127.0.0.1:3306 max_fails=3 fail_timeout=30s;
    }

    log_format basic '$remote_addr [$time_local] $protocol $status $bytes_sent';
    access_log logs/stream.log basic;

    server {
        listen 127.0.0.1:PORT1 udp;
        proxy_pass dns;
        proxy_timeout 1s;
        proxy_responses 1;
    }

    server {
        listen 127.0.0.1:PORT2;
        proxy_pass db;
        proxy_connect_timeout 1s;
        allow 127.0.0.1;
        deny all;
    }
}
`},
}

// fzTok is a token of a configuration: its byte range and kind: 'w' a
// word, 'q' a quoted string, ';', '{', '}'.
type fzTok struct {
	start, end int
	kind       byte
}

// fzTokens splits a configuration into tokens, skipping comments.
func fzTokens(s string) []fzTok {
	var toks []fzTok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == ';' || c == '{' || c == '}':
			toks = append(toks, fzTok{i, i + 1, c})
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j < len(s) {
				j++
			}
			toks = append(toks, fzTok{i, min(j, len(s)), 'q'})
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n;{}", rune(s[j])) {
				j++
			}
			toks = append(toks, fzTok{i, j, 'w'})
			i = j
		}
	}
	return toks
}

// fzStmt is a directive: the indexes of its name, of its arguments and of
// the token ending it (';' or '{'), and for a block of the matching '}'.
type fzStmt struct {
	name  int
	args  []int
	end   int
	close int // -1 unless a block
}

// fzStatements finds the directives of a well-formed token list.
func fzStatements(toks []fzTok) []fzStmt {
	var out []fzStmt
	var open []int // indexes into out of the blocks open
	cur := -1
	for i, tk := range toks {
		switch tk.kind {
		case 'w', 'q':
			if cur < 0 {
				out = append(out, fzStmt{name: i, end: -1, close: -1})
				cur = len(out) - 1
			} else {
				out[cur].args = append(out[cur].args, i)
			}
		case ';':
			if cur >= 0 {
				out[cur].end = i
			}
			cur = -1
		case '{':
			if cur >= 0 {
				out[cur].end = i
				open = append(open, cur)
			}
			cur = -1
		case '}':
			if len(open) > 0 {
				out[open[len(open)-1]].close = i
				open = open[:len(open)-1]
			}
			cur = -1
		}
	}
	var done []fzStmt
	for _, st := range out {
		if st.end >= 0 && (toks[st.end].kind == ';' || st.close >= 0) {
			done = append(done, st)
		}
	}
	return done
}

// fzBad are values a user might get wrong.
var fzBad = []string{"10q", "5x", "99999", "-1", "0", "of", "onn", "On", "$nope", "${nope", "~", "(", "~ (", "~*[", "{", "''", `""`,
	"1k", "10m", "abc", "127.0.0.1:99999", "unix:", "http://", "=", "zone=", "zone=nope", "500ms", "1h", "off", "none", "$1", "$host",
	"128.0.0.1/33", "http://backend:70000", "weight=0", "max_fails=x", "rate=10r/m", "rate=abc", "burst=q", "50%", "101%", "default"}

// fzUnknown are directives neither server knows.
var fzUnknown = []string{"proxy_passs http://x;", "foo_bar on;", "server_tokenz off;", "lisetn 80;", "more_set_headers \"X: y\";"}

// fzGlobals are -g directives; some repeat or contradict the file's.
var fzGlobals = []string{"worker_processes 2;", "pid logs/other.pid;", "daemon off;", "error_log logs/g.log;", "events {}", "user nobody;",
	"worker_rlimit_nofile 1024;", "http {}", "master_process off;", "worker_processes 1; worker_processes 2;", "env FOO;",
	"timer_resolution 10q;", "include missing.conf;", "worker_processes", "daemon off", "worker_connections 10;", "stream {}",
	"pcre_jit on;", "thread_pool default threads=2;", "lock_file logs/lock;", "working_directory logs;", "{", "}", "daemon onn;"}

// fzMutate breaks text once and says how.
func fzMutate(r *mrand.Rand, text, globals string) (string, string, string) {
	toks := fzTokens(text)
	stmts := fzStatements(toks)
	pick := func(kinds string) (fzTok, bool) {
		var c []fzTok
		for _, tk := range toks {
			if strings.IndexByte(kinds, tk.kind) >= 0 {
				c = append(c, tk)
			}
		}
		if len(c) == 0 {
			return fzTok{}, false
		}
		return c[r.Intn(len(c))], true
	}
	line := func(off int) int { return strings.Count(text[:off], "\n") + 1 }
	splice := func(start, end int, with string) string { return text[:start] + with + text[end:] }
	stmtText := func(st fzStmt) (int, int) {
		e := toks[st.end].end
		if st.close >= 0 {
			e = toks[st.close].end
		}
		return toks[st.name].start, e
	}
	// where a new directive may go: after a ';', '{' or '}', or at the top
	place := func() int {
		if tk, ok := pick(";{}"); ok && r.Intn(8) > 0 {
			return tk.end
		}
		return 0
	}
	if len(stmts) == 0 {
		return text, globals, "nothing to mutate"
	}
	st := stmts[r.Intn(len(stmts))]
	name := text[toks[st.name].start:toks[st.name].end]
	switch r.Intn(13) {
	case 0: // drop a ';', '{' or '}'
		tk, _ := pick(";{}")
		return splice(tk.start, tk.end, ""), globals, fmt.Sprintf("dropped %q at line %d", text[tk.start:tk.end], line(tk.start))
	case 1: // duplicate one
		tk, _ := pick(";{}")
		return splice(tk.end, tk.end, text[tk.start:tk.end]), globals, fmt.Sprintf("doubled %q at line %d", text[tk.start:tk.end], line(tk.start))
	case 2: // drop or add a quote
		if tk, ok := pick("q"); ok && r.Intn(3) > 0 {
			if r.Intn(2) == 0 {
				return splice(tk.start, tk.start+1, ""), globals, fmt.Sprintf("dropped an opening quote at line %d", line(tk.start))
			}
			return splice(tk.end-1, tk.end, ""), globals, fmt.Sprintf("dropped a closing quote at line %d", line(tk.start))
		}
		tk, _ := pick("w")
		q := []string{`"`, `'`}[r.Intn(2)]
		at := tk.start + r.Intn(tk.end-tk.start+1)
		return splice(at, at, q), globals, fmt.Sprintf("added %s at line %d", q, line(at))
	case 3: // truncate
		at := r.Intn(len(text))
		return text[:at], globals, fmt.Sprintf("truncated at line %d", line(at))
	case 4: // move (or copy) a directive into another context
		s, e := stmtText(st)
		piece := text[s:e]
		to := place()
		if to >= s && to <= e {
			to = 0
		}
		out := text[:to] + "\n" + piece + "\n" + text[to:]
		if r.Intn(2) == 0 {
			if to < s {
				s, e = s+len(piece)+2, e+len(piece)+2
			}
			out = out[:s] + out[e:]
			return out, globals, fmt.Sprintf("moved %q from line %d to line %d", name, line(toks[st.name].start), line(to))
		}
		return out, globals, fmt.Sprintf("copied %q from line %d to line %d", name, line(toks[st.name].start), line(to))
	case 5: // drop an argument
		if len(st.args) == 0 {
			return splice(toks[st.name].end, toks[st.name].end, " extra"), globals, fmt.Sprintf("added an argument to %q", name)
		}
		a := toks[st.args[r.Intn(len(st.args))]]
		return splice(a.start, a.end, ""), globals, fmt.Sprintf("dropped argument %q of %q at line %d", text[a.start:a.end], name, line(a.start))
	case 6: // add an argument
		var v string
		if len(st.args) > 0 && r.Intn(2) == 0 {
			a := toks[st.args[r.Intn(len(st.args))]]
			v = text[a.start:a.end]
		} else {
			v = fzBad[r.Intn(len(fzBad))]
		}
		at := toks[st.end].start
		return splice(at, at, " "+v+" "), globals, fmt.Sprintf("added argument %q to %q at line %d", v, name, line(at))
	case 7, 8: // a bad value
		v := fzBad[r.Intn(len(fzBad))]
		if len(st.args) == 0 {
			return splice(toks[st.name].end, toks[st.name].end, " "+v), globals, fmt.Sprintf("gave %q the argument %q", name, v)
		}
		a := toks[st.args[r.Intn(len(st.args))]]
		old := text[a.start:a.end]
		if r.Intn(3) == 0 && len(old) > 1 {
			v = old[:len(old)-1] + v[:1] // a typo at the end
		}
		return splice(a.start, a.end, v), globals, fmt.Sprintf("replaced %q of %q by %q at line %d", old, name, v, line(a.start))
	case 9: // a directive twice
		s, e := stmtText(st)
		return splice(e, e, "\n"+text[s:e]), globals, fmt.Sprintf("doubled %q at line %d", name, line(s))
	case 10: // include a missing file or a glob
		inc := []string{"include missing.conf;", "include nope/*.conf;", "include /nonexistent/x.conf;", "include conf.d/*.conf;",
			"include mime.types;", "include fastcgi_params;", "include *.nothing;", "include;", "include a b;"}[r.Intn(9)]
		at := place()
		return splice(at, at, "\n"+inc+"\n"), globals, fmt.Sprintf("inserted %q at line %d", inc, line(at))
	case 11: // an unknown directive, or a name in another case
		if r.Intn(2) == 0 {
			u := fzUnknown[r.Intn(len(fzUnknown))]
			at := place()
			return splice(at, at, "\n"+u+"\n"), globals, fmt.Sprintf("inserted %q at line %d", u, line(at))
		}
		odd := strings.ToUpper(name[:1]) + name[1:]
		if r.Intn(2) == 0 {
			odd = strings.ToUpper(name)
		}
		return splice(toks[st.name].start, toks[st.name].end, odd), globals, fmt.Sprintf("wrote %q as %q at line %d", name, odd, line(toks[st.name].start))
	default: // -g
		g := fzGlobals[r.Intn(len(fzGlobals))]
		if globals != "" {
			g = globals + " " + g
		}
		return text, g, fmt.Sprintf("-g %q", g)
	}
}
