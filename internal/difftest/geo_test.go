package difftest

import "testing"

// TestGeo compares geo blocks: networks (longest prefix wins, IPv6,
// the default, delete, 255.255.255.255), ranges (split and shifted
// ranges, a range across /16 blocks, the default), the address from a
// variable (a value that is no address looks up 255.255.255.255), an
// include, proxy with X-Forwarded-For (recursive or not), and the
// address realip set; and split_clients: MurmurHash2 of the key over the
// percentages, "*", a block without "*", keys of every length modulo 4.
func TestGeo(t *testing.T) {
	runSite(t, &site{
		http: `
    geo $g {
        default d;
        127.0.0.0/8 lo;
        127.0.0.1 one;
        10.0.0.0/8 ten;
    }
    geo $arg_ip $gv {
        default d;
        127.0.0.0/8 lo;
        10.0.0.0/8 ten;
        10.1.0.0/16 ten-one;
        10.1.2.3/32 exact;
        delete 10.1.0.0/16;
        2001:db8::/32 six;
        2001:db8:1::/48 six-one;
        255.255.255.255 none;
        include {{ROOT}}/geo.inc;
    }
    geo $arg_ip $gr {
        ranges;
        default d;
        1.0.0.0-1.0.0.255 x;
        1.0.0.10-1.0.0.20 z;
        1.0.0.0-1.0.0.5 s;
        2.0.255.0-2.1.0.10 span;
        255.255.255.0-255.255.255.254 top;
    }
    geo $arg_ip $gn {
        ranges;
        3.0.0.0-3.0.0.9 three;
    }
    geo $gp {
        proxy 127.0.0.1;
        default d;
        5.5.5.0/24 five;
        10.0.0.0/8 ten;
    }
    geo $gpr {
        proxy 127.0.0.1;
        proxy 10.0.0.0/8;
        proxy_recursive;
        default d;
        5.5.5.0/24 five;
        10.0.0.0/8 ten;
    }
    split_clients "${arg_k}" $s1 {
        0.5% half;
        2% two;
        10% ten;
        33.33% third;
        * rest;
    }
    split_clients "${arg_k}x" $s2 {
        50% a;
        50% b;
    }
    split_clients "a${arg_k}bc" $s3 {
        25% q1;
        25% q2;
        25% q3;
    }
    split_clients "ab${arg_k}" $s4 {
        70% seventy;
        * "$uri";
    }
    server {
        listen 127.0.0.1:{{PORT}};
        location / { return 200 "g=$g gv=$gv gr=[$gr] gn=[$gn] gp=$gp gpr=$gpr\n"; }
        location /s { return 200 "s1=$s1 s2=$s2 s3=[$s3] s4=$s4\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        location / { return 200 "g=$g gp=$gp gpr=$gpr\n"; }
    }`,
		files: map[string]string{"geo.inc": "172.16.0.0/12 included;\n"},
		cases: []tc{
			get("client address", "/"),
			get("variable address, network", "/?ip=10.9.9.9"),
			get("variable address, deleted network", "/?ip=10.1.9.9"),
			get("variable address, exact", "/?ip=10.1.2.3"),
			get("variable address, default", "/?ip=8.8.8.8"),
			get("variable address, not an address", "/?ip=foo"),
			get("variable address, none", "/"),
			get("variable address, ipv6", "/?ip=2001:db8:1::5"),
			get("variable address, ipv6 shorter", "/?ip=2001:db8:2::5"),
			get("variable address, ipv6 default", "/?ip=2001:db9::1"),
			get("variable address, ipv4-mapped", "/?ip=::ffff:10.9.9.9"),
			get("variable address, included", "/?ip=172.20.1.1"),
			get("variable address with a port is none", "/?ip=10.9.9.9:80"),
			get("ranges, shifted start", "/?ip=1.0.0.3"),
			get("ranges, rest of the first", "/?ip=1.0.0.7"),
			get("ranges, inner", "/?ip=1.0.0.15"),
			get("ranges, after inner", "/?ip=1.0.0.200"),
			get("ranges, across blocks low", "/?ip=2.0.255.7"),
			get("ranges, across blocks high", "/?ip=2.1.0.10"),
			get("ranges, after span", "/?ip=2.1.0.11"),
			get("ranges, ipv6 is none", "/?ip=2001:db8::1"),
			get("ranges, top", "/?ip=255.255.255.3"),
			get("proxy xff", "/", "X-Forwarded-For: 5.5.5.5"),
			get("proxy xff list", "/", "X-Forwarded-For: 5.5.5.5, 10.2.2.2"),
			get("proxy xff lines", "/", "X-Forwarded-For: 5.5.5.5", "X-Forwarded-For: 10.2.2.2"),
			get("proxy xff garbage", "/", "X-Forwarded-For: nonsense"),
			get("realip address", "/", "X-Real-IP: 10.3.3.3").onPort2(),
			get("realip address then proxy", "/", "X-Real-IP: 10.3.3.3", "X-Forwarded-For: 5.5.5.9").onPort2(),
			get("split empty key", "/s"),
			get("split k=1", "/s?k=1"),
			get("split k=ab", "/s?k=ab"),
			get("split k=abc", "/s?k=abc"),
			get("split k=abcd", "/s?k=abcd"),
			get("split k=hello", "/s?k=hello"),
			get("split k=192.168.1.1", "/s?k=192.168.1.1"),
			get("split k=user42", "/s?k=user42"),
			get("split k=x7", "/s?k=x7"),
			get("split k=zz", "/s?k=zz"),
			get("split k=9", "/s?k=9"),
			get("split k=100", "/s?k=100"),
			get("split k=tttttttttttttt", "/s?k=tttttttttttttt"),
			get("split k=Q", "/s?k=Q"),
			get("split k=%FF%00", "/s?k=%FF%00"),
		},
	})
}
