package limit

// slab models what ngx_slab_alloc can hold in a zone, so that a zone
// keeps as many keys as nginx's of the same size: the zone is cut into
// pages after the pool's header (ngx_slab_init); a page serves one slot
// size (powers of two from 8 bytes to half a page) and returns to the
// free pages when its last slot is freed; bigger allocations take whole
// pages. Fragmentation inside a slot size is not modelled: a size class
// takes as many pages as its live slots need.
type slab struct {
	pages int64           // pages of the zone
	used  int64           // pages in use
	slots map[int64]int64 // live slots per slot size
}

// pageSize is ngx_pagesize on the platforms weir runs on.
const pageSize = 4096

// slabHeader is sizeof(ngx_slab_pool_t) with its slot and statistics
// arrays on 64-bit Linux (200 + 9*24 + 9*32 bytes, rounded).
const slabHeader = 704

// pageDesc is sizeof(ngx_slab_page_t).
const pageDesc = 24

// newSlab is ngx_slab_init's page count for a zone of size bytes: as many
// pages as fit with their descriptors, fewer when aligning the first page
// leaves less room.
func newSlab(size int64) *slab {
	pages := (size - slabHeader) / (pageSize + pageDesc)
	start := (slabHeader + pages*pageDesc + pageSize - 1) / pageSize * pageSize
	if avail := (size - start) / pageSize; avail < pages {
		pages = avail
	}
	if pages < 0 {
		pages = 0
	}
	return &slab{pages: pages, slots: map[int64]int64{}}
}

// slot is ngx_slab_alloc's rounding of n bytes.
func slot(n int64) int64 {
	if n > pageSize/2 {
		return (n + pageSize - 1) / pageSize * pageSize
	}
	s := int64(8)
	for s < n {
		s <<= 1
	}
	return s
}

// perPage is how many slots of size s a page holds: small slots keep
// their bitmap in the page itself.
func perPage(s int64) int64 {
	n := pageSize / s
	if s < 64 {
		bitmap := (n/8 + s - 1) / s
		n -= bitmap
	}
	return n
}

// pagesFor is the pages count live slots of size s take.
func pagesFor(s, count int64) int64 {
	if s > pageSize/2 {
		return count * (s / pageSize)
	}
	return (count + perPage(s) - 1) / perPage(s)
}

// alloc takes room for n bytes, or reports false when the zone is full.
func (sl *slab) alloc(n int64) bool {
	s := slot(n)
	c := sl.slots[s]
	more := pagesFor(s, c+1) - pagesFor(s, c)
	if sl.used+more > sl.pages {
		return false
	}
	sl.used += more
	sl.slots[s] = c + 1
	return true
}

// free gives back the room of n bytes.
func (sl *slab) free(n int64) {
	s := slot(n)
	c := sl.slots[s]
	if c == 0 {
		return
	}
	sl.used -= pagesFor(s, c) - pagesFor(s, c-1)
	sl.slots[s] = c - 1
}
