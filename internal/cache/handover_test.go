package cache

import (
	"testing"
	"time"
)

// TestHandOver: the request that found an entry stale hands its update
// to a background request: that one then finds the entry stale (its to
// update), others find it updating, and its commit ends the update.
func TestHandOver(t *testing.T) {
	z := testZone(t, 1<<20)
	k, crc := Key("k")
	a, _, _ := z.Lookup(k, crc, 1)
	if stale, updating := a.Found(100, 1000, 1); !stale || updating || !a.Updating {
		t.Fatalf("first: stale %v updating %v holds %v", stale, updating, a.Updating)
	}
	b, _, _ := z.Lookup(k, crc, 0)
	a.HandOver(b)
	if a.Updating || !b.Updating {
		t.Fatalf("after the hand-over: a %v b %v", a.Updating, b.Updating)
	}
	a.Release()
	if stale, updating := b.Found(100, 1000, 1); !stale || updating {
		t.Fatalf("background: stale %v updating %v", stale, updating)
	}
	c, _, _ := z.Lookup(k, crc, 1)
	if stale, updating := c.Found(100, 1000, 1); !stale || !updating {
		t.Fatalf("another: stale %v updating %v", stale, updating)
	}
	f, err := z.NewTemp()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := b.Commit(f.Name(), 100, time.Now().Unix()+60); err != nil {
		t.Fatal(err)
	}
	if updater, _, _ := c.Lock(time.Second); !updater {
		t.Fatal("the update did not end with the commit")
	}
	b.Release()
	c.Release()
}
