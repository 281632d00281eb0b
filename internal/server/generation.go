package server

import (
	"context"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/httpd"
	"weir/internal/stream"
)

// generation is one loaded configuration at work: what an nginx worker
// process is to its cycle. Its requests run on its snapshot from start to
// end; when a reload replaces it, it stops accepting, lets its requests
// finish and its keep-alive connections close, then releases its logs.
type generation struct {
	cfg  *config.Config
	log  *errlog.Logger
	snap *httpd.Snapshot
	srv  *httpcore.Server
	// stream serves the stream block (nil without one)
	stream *stream.Server

	lns     []*genListener
	serving sync.WaitGroup // Serve calls
}

// clientConns is how many client connections worker_connections leaves
// for HTTP: in an nginx worker every listening socket takes one of them,
// and the channel to the master process one more (ngx_event_process_init,
// ngx_add_channel_event). At least one is left (the configuration check
// wants a connection for every listening socket and one more).
func clientConns(cfg *config.Config) int {
	n := cfg.WorkerConnections
	if n <= 0 {
		return n
	}
	if cfg.HTTP != nil {
		n -= len(cfg.HTTP.Listens)
	}
	if cfg.Stream != nil {
		n -= len(cfg.Stream.Listens)
	}
	if cfg.MasterProcess {
		n--
	}
	return max(n, 1)
}

func newGeneration(cfg *config.Config, log *errlog.Logger, snap *httpd.Snapshot) *generation {
	g := &generation{cfg: cfg, log: log, snap: snap}
	g.srv = &httpcore.Server{
		Handler:           httpd.New(snap),
		MaxConns:          clientConns(cfg),
		WorkerConnections: cfg.WorkerConnections,
		Log: func(level int, ci *httpcore.ConnInfo, msg string) {
			lv := errlog.Level(level &^ httpcore.LogNoContext)
			lv, msg = handshakeLine(lv, ci, msg)
			log := log
			if l := snap.ConnLog(ci); l != nil {
				log = l // the default server's or the last request's
			}
			if msg == "" || !log.Enabled(lv) {
				return
			}
			if ci == nil {
				log.Log(lv, 0, msg)
				return
			}
			if level&httpcore.LogNoContext != 0 {
				log.Log(lv, ci.ID, msg)
				return
			}
			// ngx_http_log_error before a request is known: the client
			// and the listening address as "server".
			tag, _ := ci.Tag.(string)
			log.Log(lv, ci.ID, msg+errlog.ClientSuffix(ci.RemoteText, tag, "", "", ""))
		},
	}
	return g
}

// start makes g the generation every socket of its configuration hands
// connections to.
func (g *generation) start(sockets map[string]*socket) {
	g.startStream(sockets)
	if g.cfg.HTTP == nil {
		return
	}
	for _, lg := range g.cfg.HTTP.Listens {
		s := sockets[lg.Addr]
		if s == nil {
			continue
		}
		gl := newGenListener(s)
		gl.wrap = sslWrap(lg)
		g.lns = append(g.lns, gl)
		g.serving.Add(1)
		go func(tag string) {
			defer g.serving.Done()
			g.srv.Serve(gl, tag)
		}(lg.Addr)
		s.cur.Store(gl)
	}
}

// stopAccepting closes g's listeners; the sockets stay open.
func (g *generation) stopAccepting() {
	for _, l := range g.lns {
		l.Close()
	}
}

// shutdown is an nginx worker's graceful exit: stop accepting, close idle
// keep-alive connections, let the requests in flight finish (for at most
// timeout when it is not zero: worker_shutdown_timeout, after which every
// connection is closed), then release the snapshot.
func (g *generation) shutdown(timeout time.Duration, stop <-chan struct{}) {
	g.stopAccepting()
	// Every accepted connection is registered with the engine once its
	// Serve calls returned, so Drain and Wait see them all.
	g.serving.Wait()
	g.srv.Drain()
	ctx, cancel := context.WithCancel(context.Background())
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), timeout)
	}
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	if g.srv.Wait(ctx) != nil || g.waitStream(ctx) != nil {
		g.terminate()
		return
	}
	cancel()
	g.release()
}

// terminate is a fast exit: every connection is closed at once; handlers
// still running get a moment to notice before the snapshot goes.
func (g *generation) terminate() {
	g.stopAccepting()
	g.serving.Wait()
	g.srv.CloseAll()
	g.closeStream(true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	g.srv.Wait(ctx)
	g.waitStream(ctx)
	cancel()
	g.release()
}

// release releases the snapshot. The error log is the caller's to close:
// it may still be the process's.
func (g *generation) release() {
	g.snap.Close()
	g.closeStream(false)
}
