//go:build !linux

package httpd

// socketFull cannot tell without Linux's poll(2): the event pipe then
// judges a client by how long its writes take.
func socketFull(fd uintptr) (full, ok bool) { return false, false }
