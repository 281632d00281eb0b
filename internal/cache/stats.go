package cache

import "sync"

// The counters of a cache for the commercial nginx's API (/http/caches):
// per cache status, the responses served and their bytes, and for the
// statuses that go to the upstream (miss, expired, bypass) the responses
// and bytes written to the cache. They are kept with the zone, so a
// reload that keeps the zone keeps them.

// StatusCount is one status's counters.
type StatusCount struct {
	Responses, Bytes               int64
	ResponsesWritten, BytesWritten int64
}

// Stats are a zone's counters by Status.
type Stats struct {
	mu sync.Mutex
	by [Hit + 1]StatusCount
}

// Count records a response of status st that sent bytes of body; written
// is the body bytes stored in the cache (-1: it was not stored).
func (s *Stats) Count(st Status, bytes, written int64) {
	if st == None || int(st) >= len(s.by) {
		return
	}
	s.mu.Lock()
	c := &s.by[st]
	c.Responses++
	c.Bytes += bytes
	if written >= 0 {
		c.ResponsesWritten++
		c.BytesWritten += written
	}
	s.mu.Unlock()
}

// Read returns the counters of each status.
func (s *Stats) Read() [Hit + 1]StatusCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.by
}

// Reset clears the counters (DELETE in the API).
func (s *Stats) Reset() {
	s.mu.Lock()
	s.by = [Hit + 1]StatusCount{}
	s.mu.Unlock()
}

// Usage returns the bytes the cache's files take, and whether the cache
// loader is still reading the directory.
func (z *Zone) Usage() (size int64, cold bool) {
	z.mu.Lock()
	size = z.size
	z.mu.Unlock()
	return size, z.cold.Load()
}
