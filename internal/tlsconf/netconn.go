package tlsconf

import "net"

// Underlying returns the accepted connection under TLS: the socket a
// watch for a client that left looks at (httpcore's Request.WatchGone,
// nginx's check of a broken connection on the client's read event).
func (c *Conn) Underlying() net.Conn { return c.Conn }
