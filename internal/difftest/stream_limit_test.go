package difftest

import (
	"io"
	"net"
	"testing"
	"time"
)

// Stream module: limit_conn (ngx_stream_limit_conn_module) and a
// server's error_log, compared with nginx.

// limitTalk holds one session open (its first byte echoed) while a second
// connection to the same listener is made; it returns what each saw.
func limitTalk(c net.Conn) string {
	io.WriteString(c, "a")
	buf := make([]byte, 1)
	if _, err := io.ReadFull(c, buf); err != nil {
		return "first: " + shortErr(err.Error())
	}
	c2, err := net.Dial("tcp", c.RemoteAddr().String())
	if err != nil {
		return "dial: " + shortErr(err.Error())
	}
	c2.SetDeadline(time.Now().Add(3 * time.Second))
	c2.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c2)
	c2.Close()
	got := "first: " + string(buf) + ", second: " + string(b)
	if err != nil {
		got += " [" + shortErr(err.Error()) + "]"
	}
	time.Sleep(100 * time.Millisecond) // the second session is over
	return got
}

func TestStreamLimitConn(t *testing.T) {
	st := streamSite(`
    log_format s '$remote_addr $status $bytes_sent $bytes_received "$limit_conn_status" "$upstream_addr"';
    access_log logs/access.log s;
    limit_conn_zone $binary_remote_addr zone=addr:1m;
    limit_conn_zone $server_port zone=port:1m;
    limit_conn_zone $remote_port zone=none:1m;
    server { listen {{B3}}; limit_conn addr 1; proxy_pass {{B0}}; }
    server { listen {{B4}}; limit_conn addr 1; limit_conn_log_level warn; limit_conn_dry_run on; proxy_pass {{B0}}; }
    server { listen {{B5}}; limit_conn port 2; limit_conn addr 1; limit_conn_log_level info; return "ok $limit_conn_status\n"; }
    server { listen {{B6}}; limit_conn none 1; proxy_pass {{B0}}; }
    server { listen {{B7}}; deny 127.0.0.1; proxy_pass {{B0}}; }
    server { listen {{B8}}; error_log logs/stream.log info; proxy_pass {{B2}}; }
`)
	st.after = func(t *testing.T, ng, we *server) {
		var no, wo int64
		n := normError(ng.newLines("stream.log", &no), ng)
		w := normError(we.newLines("stream.log", &wo), we)
		if !equalLines(n, w) || len(n) == 0 {
			t.Errorf("stream.log differs:%s", sideBySide(n, w, "nginx", "weir"))
		}
	}
	runStream(t, st, []streamCase{
		{name: "limit_conn: the second connection is refused", listen: 0, talk: limitTalk},
		{name: "limit_conn_dry_run", listen: 1, talk: limitTalk},
		{name: "limit_conn at info with return", listen: 2},
		{name: "a key per connection: no limit", listen: 3, talk: limitTalk},
		{name: "denied: no limit_conn, not found", listen: 4},
		{name: "error_log of the server", listen: 5},
	})
}
