package httpcore

// Server runs the connection loops for any number of listeners.
//
// Server API (implemented by the engine):
//
//   type Server struct {
//       Handler Handler
//       // Log writes an error-log line for a connection-level event
//       // (level as errlog's: 0 emerg .. 7 debug); conn may be nil.
//       Log func(level int, conn *ConnInfo, msg string)
//       MaxConns int // worker_connections; 0 = no limit
//   }
//   func (s *Server) Serve(ln net.Listener, tag any) error // accept loop until ln is closed
//   func (s *Server) Drain()      // graceful: close idle keep-alive connections now, close the others after their current response
//   func (s *Server) Wait(ctx context.Context) error // wait for all connections to end
//   func (s *Server) CloseAll()   // fast stop: close every connection
//   func (s *Server) Conns() int  // open connections

type requestImpl struct{}
type responseImpl struct{}
