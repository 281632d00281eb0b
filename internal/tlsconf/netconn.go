package tlsconf

import "net"

// NetConn returns the accepted connection under TLS, as crypto/tls's
// Conn.NetConn does: the socket a watch for a client that left looks at
// (httpcore's Request.WatchGone, nginx's check of a broken connection on
// the client's read event), found by rawio.Socket.
func (c *Conn) NetConn() net.Conn { return c.Conn }
