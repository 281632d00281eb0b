package server

import (
	"context"
	"os"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/httpd"
	"weir/internal/stream"
)

// newStream builds the stream side of cfg (nil without a stream block)
// and shows it to the http side's API (snap).
func newStream(cfg *config.Config, l *errlog.Logger, snap *httpd.Snapshot) (*stream.Server, error) {
	if cfg.Stream == nil {
		return nil, nil
	}
	host, _ := os.Hostname()
	st, err := stream.New(cfg.Stream, l, stream.Options{Version: httpd.Version, Hostname: host, NextID: httpcore.NextConnID})
	if err == nil {
		snap.SetStream(st)
	}
	return st, err
}

// streamListens are the sockets of the stream block (TCP and UDP).
func streamListens(cfg *config.Config) []*config.Listen {
	if cfg.Stream == nil {
		return nil
	}
	var ls []*config.Listen
	for _, l := range cfg.Stream.Listens {
		ls = append(ls, l.Listen)
	}
	return ls
}

// startStream hands the stream block's sockets to g's stream server.
func (g *generation) startStream(sockets map[string]*socket) {
	if g.stream == nil {
		return
	}
	for _, l := range g.cfg.Stream.Listens {
		s := sockets[l.SocketKey()]
		if s == nil {
			continue
		}
		gl := newGenListener(s)
		g.lns = append(g.lns, gl)
		g.serving.Add(1)
		go func(l *config.StreamListen) {
			defer g.serving.Done()
			g.stream.Serve(gl, l)
		}(l)
		s.cur.Store(gl)
	}
}

// waitStream waits for the stream sessions of g to end; on ctx's end it
// closes them.
func (g *generation) waitStream(ctx context.Context) error {
	if g.stream == nil {
		return nil
	}
	return g.stream.Wait(ctx)
}

func (g *generation) closeStream(all bool) {
	if g.stream == nil {
		return
	}
	if all {
		g.stream.CloseAll()
		return
	}
	g.stream.Close()
}

// closeStreamServer releases a stream server that never served (a reload
// that failed after building it).
func closeStreamServer(st *stream.Server) {
	if st != nil {
		st.Close()
	}
}
