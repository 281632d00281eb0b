package difftest

import "testing"

// Stream module variables: map, geo, split_clients and set in the stream
// block, and proxy_pass with variables (a group's name, an address, and
// the errors of a value that is neither), compared with nginx.
func TestStreamVariables(t *testing.T) {
	st := streamSite(`
    log_format s '$remote_addr $status "$upstream_addr" m=$m g=$g g2=$g2 sc=$sc s=$s cap=$cap';
    access_log logs/access.log s;
    upstream greet { server {{B1}}; }
    map "$protocol:$server_port" $m {
        TCP:{{B3PORT}} greet;
        TCP:{{B4PORT}} {{B0}};
        TCP:{{B10PORT}} GREET;
        ~^(?<cap>[A-Z])([A-Z]+): "no-$2-port";
    }
    map $m $upper { hostnames; default none; greet.  dot; }
    geo $g { default no; 127.0.0.0/8 loop; }
    geo $remote_addr $g2 { ranges; default no; 127.0.0.1-127.0.0.1 one; }
    split_clients "fixed" $sc { 50% a; * b; }
    server { listen {{B3}}; set $s "set-$m"; proxy_pass $m; }
    server { listen {{B4}}; proxy_pass $m; }
    server { listen {{B5}}; proxy_pass $m; }
    server { listen {{B6}}; set $t "{{B2}}"; proxy_pass $t; }
    server { listen {{B7}}; set $t "localhost:1"; proxy_pass $t; }
    server { listen {{B8}}; set $t "127.0.0.1:99999"; proxy_pass $t; }
    server { listen {{B9}}; set $s $g; set $s "$s+"; return "$m|$g|$g2|$sc|$cap|$1|$2|$s|$upper|$t\n"; }
    server { listen {{B10}}; proxy_pass $m; }
`)
	runStream(t, st, []streamCase{
		{name: "map to an upstream block", listen: 0},
		{name: "map to an address", listen: 1, send: "hi", readN: 2, closeWrite: true},
		{name: "no port in upstream", listen: 2},
		{name: "an address refused", listen: 3},
		{name: "a host name needs a resolver", listen: 4},
		{name: "invalid port", listen: 5},
		{name: "the variables in return", listen: 6},
		{name: "a group's name in another case", listen: 7},
	})
}
