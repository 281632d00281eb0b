package stream

import (
	"net"
	"syscall"

	"weir/internal/rawio"
)

// peerEnded reports whether c's peer has closed its side and nothing it
// sent is left unread: its end is waiting on the socket (recv with
// MSG_PEEK gives 0). A TLS connection is looked at on its socket.
//
// It orders the two ends of a session as nginx's event loop does: when
// the client's end is seen while the upstream's had already come, nginx
// has handled the upstream's event first (its last data and its end
// arrive before the client, which reacts to that data, closes), and
// logs "upstream disconnected".
func peerEnded(c net.Conn) bool {
	rc := rawio.Socket(c)
	if rc == nil {
		return false
	}
	ended := false
	rc.Control(func(fd uintptr) {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		ended = err == nil && n == 0
	})
	return ended
}
