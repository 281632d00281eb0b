package httpd

import (
	"strings"
	"testing"

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
