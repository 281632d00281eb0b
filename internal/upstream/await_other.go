//go:build !linux

package upstream

// SendAwait is not available on this system: the caller writes and reads
// as usual.
func (c *Conn) SendAwait(bufs [][]byte) (n int64, complete bool, werr, rerr error) {
	return 0, false, nil, nil
}

type awaitState struct{}

func (c *Conn) awaitFD(fd uintptr) bool { return true }
