package httpd

import (
	"strings"
	"testing"
	"time"

	"weir/internal/config"
	"weir/internal/limit"
)

// TestLimitZonesReload pins what a reload keeps: a zone of the same name,
// module and size keeps its keys (with a new rate), a new size starts
// afresh, and a changed key fails the reload with nginx's message.
func TestLimitZonesReload(t *testing.T) {
	zone := func(key string, size, rate int64) []*config.LimitZone {
		return []*config.LimitZone{{Name: "reload-test", Size: size, KeyText: key, Rate: rate}}
	}
	a, err := newLimitZones(zone("$binary_remote_addr", 1<<20, 1000))
	if err != nil {
		t.Fatal(err)
	}
	one := func(int) (string, bool) { return "k", true }
	limit.CheckReq([]limit.Req{{Zone: a.req[0]}}, one)
	b, err := newLimitZones(zone("$binary_remote_addr", 1<<20, 16))
	if err != nil {
		t.Fatal(err)
	}
	if b.req[0].Rate != 16 || b.req[0].Len() != 1 {
		t.Fatalf("rate %d, %d keys: want the keys kept with the new rate", b.req[0].Rate, b.req[0].Len())
	}
	c, err := newLimitZones(zone("$binary_remote_addr", 2<<20, 16))
	if err != nil || c.req[0].Len() != 0 {
		t.Fatalf("new size: %v, %d keys", err, c.req[0].Len())
	}
	_, err = newLimitZones(zone("$remote_addr", 2<<20, 16))
	if err == nil || !strings.Contains(err.Error(), `limit_req "reload-test" uses the "$remote_addr" key while previously it used the "$binary_remote_addr" key`) {
		t.Fatalf("key change: %v", err)
	}
}

// TestLimitReqDelayClientCloses: a request delayed by limit_req whose
// client leaves ends at once with 499, as ngx_http_test_reading
// does (with the info line "client prematurely closed connection"); a client that stays gets the answer.
func TestLimitReqDelayClientCloses(t *testing.T) {
	addr, dir := proxyEnv(t, `events {} http {
	access_log logs/access.log;
	limit_req_zone $arg_k zone=one:1m rate=10r/s;
	server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
		location / { limit_req zone=one burst=5; }
	} }`, nil)
	if r := get(t, addr, "/1k.txt?k=a"); r.status != 200 {
		t.Fatalf("first request: %d", r.status)
	}
	// the second is delayed by 100 ms; its client leaves after 20
	c := dialSend(t, addr, "GET /1k.txt?k=a HTTP/1.1\r\nHost: test\r\n\r\n")
	time.Sleep(20 * time.Millisecond)
	c.Close()
	logs := waitLog(t, dir, "access.log", 2)
	if !strings.Contains(logs, `"GET /1k.txt?k=a HTTP/1.1" 499 0`) {
		t.Fatalf("access log:\n%s", logs)
	}
	// a client that waits is answered after its delay
	if r := get(t, addr, "/1k.txt?k=a"); r.status != 200 || len(r.body) != 1024 {
		t.Fatalf("delayed request: %d, %d bytes", r.status, len(r.body))
	}
}
