package difftest

import "testing"

// TestBrowser compares ngx_http_browser_module: $modern_browser,
// $ancient_browser and $msie for User-Agents against modern_browser lists
// (versions X to X.X.X.X, Opera checked before MSIE, a dot deciding early),
// unlisted, netscape4 and ancient_browser substrings, values, and the
// levels that inherit a list but not the unlisted and netscape4 bits.
func TestBrowser(t *testing.T) {
	ua := func(name, uri, agent string) tc { return get(name, uri, "User-Agent: "+agent) }
	const (
		ie6     = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"
		ie6sv1  = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"
		ie5     = "Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)"
		ie9     = "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)"
		opera   = "Opera/9.01 (X11; FreeBSD 6 i386; U; en)"
		operaIE = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.0; en) Opera 8.0"
		ff      = "Mozilla/5.0 (X11; U; Linux i686; en-US; rv:1.8.0.5) Gecko/20060729 Firefox/1.5.0.5"
		ffOld   = "Mozilla/5.0 (Windows; U; Windows NT 5.1; ru-RU; rv:1.7.8) Gecko/20050511 Firefox/1.0.4"
		safari  = "Mozilla/5.0 (Macintosh; U; PPC Mac OS X; en) AppleWebKit/418 (KHTML, like Gecko) Safari/417.9.3"
		konq    = "Mozilla/5.0 (compatible; Konqueror/3.5; FreeBSD) KHTML/3.5.1 (like Gecko)"
		ns4     = "Mozilla/4.72 [en] (X11; U; Linux 2.2.14 i686)"
		lynx    = "Lynx/2.8.5rel.1 libwww-FM/2.14"
		curl    = "curl/8.0"
	)
	runSite(t, &site{
		http: `
    log_format br '$status "$request" m=$modern_browser a=$ancient_browser ie=$msie';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log br;
        modern_browser unlisted;
        location / { return 200 "m=$modern_browser a=$ancient_browser ie=$msie\n"; }
        location /list/ {
            modern_browser msie 6.0;
            modern_browser gecko 1.8;
            modern_browser safari 417.9.2;
            modern_browser konqueror 3.5;
            return 200 "m=$modern_browser a=$ancient_browser\n";
        }
        location /opera/ {
            modern_browser opera 9.0;
            modern_browser MSIE 5.5;
            return 200 "m=$modern_browser a=$ancient_browser\n";
        }
        location /unl/ {
            modern_browser gecko 1.8;
            modern_browser unlisted;
            ancient_browser Lynx netscape4;
            modern_browser_value "modern.";
            ancient_browser_value ancient;
            return 200 "m=$modern_browser a=$ancient_browser\n";
            location /unl/in/ { return 200 "m=$modern_browser a=$ancient_browser\n"; }
        }
        location /anc/ {
            ancient_browser "MSIE 6" curl;
            modern_browser unlisted;
            return 200 "m=$modern_browser a=$ancient_browser\n";
        }
        location /ver/ {
            modern_browser gecko 1.8.0.5;
            modern_browser msie 10;
            return 200 "m=$modern_browser a=$ancient_browser\n";
        }
    }
`,
		cases: []tc{
			get("no user agent", "/"),
			ua("unlisted not inherited", "/", curl),
			ua("msie var", "/", ie6),
			ua("msie var opera", "/", operaIE),
			ua("msie short", "/", "MSIE 6."),
			ua("msie just long enough", "/", "x MSIE 6.0"),
			get("list no user agent", "/list/"),
			ua("list ie6", "/list/", ie6),
			ua("list ie6 sv1", "/list/", ie6sv1),
			ua("list ie5", "/list/", ie5),
			ua("list ie9", "/list/", ie9),
			ua("list opera", "/list/", opera),
			ua("list opera msie", "/list/", operaIE),
			ua("list firefox", "/list/", ff),
			ua("list firefox old", "/list/", ffOld),
			ua("list safari", "/list/", safari),
			ua("list konqueror", "/list/", konq),
			ua("list curl", "/list/", curl),
			ua("list skip past end", "/list/", "Mozilla/4.0"),
			ua("list msie at start", "/list/", "MSIE 7.0 whatever"),
			ua("opera 9.01", "/opera/", opera),
			ua("opera 8 msie", "/opera/", operaIE),
			ua("opera ie5", "/opera/", ie5),
			ua("opera big", "/opera/", "Opera/12.16 (X11)"),
			get("unl no ua", "/unl/"),
			ua("unl firefox", "/unl/", ff),
			ua("unl firefox old", "/unl/", ffOld),
			ua("unl lynx", "/unl/", lynx),
			ua("unl netscape4", "/unl/", ns4),
			ua("unl mozilla5 short", "/unl/", "Mozilla/4.7"),
			ua("unl curl", "/unl/", curl),
			ua("unl nested curl", "/unl/in/", curl),
			ua("unl nested firefox old", "/unl/in/", ffOld),
			ua("anc ie6", "/anc/", ie6),
			ua("anc curl", "/anc/", curl),
			ua("anc lynx", "/anc/", lynx),
			ua("ver ff 1.8.0.5", "/ver/", ff),
			ua("ver ff 1.8.0.4", "/ver/", "Mozilla/5.0 (X11; rv:1.8.0.4) Gecko"),
			ua("ver ff 1.9", "/ver/", "Mozilla/5.0 (X11; rv:1.9) Gecko"),
			ua("ver ff 2 dot", "/ver/", "Mozilla/5.0 (X11; rv:2.) Gecko"),
			ua("ver msie 10.0", "/ver/", "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2)"),
			ua("ver msie 9.99", "/ver/", "Mozilla/5.0 (compatible; MSIE 9.99; Windows NT 6.2)"),
			ua("ver msie empty", "/ver/", "Mozilla/5.0 (compatible; MSIE x; Windows NT 6.2)"),
			raw("two user agents", "GET /list/ HTTP/1.1\r\nHost: localhost\r\nUser-Agent: "+curl+"\r\nUser-Agent: "+ie6+"\r\nConnection: close\r\n\r\n"),
		},
	})
}
