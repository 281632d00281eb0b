package upstream

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SaveState rewrites the group's state file (the upstream block's state
// directive) with its servers as they are now, one server line per
// peer, primary then backup, so that the next configuration read (a
// reload, a restart) starts from them. A group without a state file has
// nothing to save. The file is replaced whole, through a temporary file
// beside it.
func (g *Group) SaveState() error {
	path := g.Upstream.State
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, p := range g.Snapshot() {
		b.WriteString(stateLine(p))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(b.String())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// stateLine is a peer as a server line of the state file: its address
// and the parameters that differ from a server line's defaults.
func stateLine(p PeerInfo) string {
	var b strings.Builder
	b.WriteString("server ")
	b.WriteString(p.Name)
	if p.Weight != 1 {
		b.WriteString(" weight=" + strconv.Itoa(p.Weight))
	}
	if p.MaxConns != 0 {
		b.WriteString(" max_conns=" + strconv.Itoa(p.MaxConns))
	}
	if p.MaxFails != 1 {
		b.WriteString(" max_fails=" + strconv.Itoa(p.MaxFails))
	}
	if p.FailTimeout != 10*time.Second {
		b.WriteString(" fail_timeout=" + strconv.FormatInt(int64(p.FailTimeout/time.Second), 10) + "s")
	}
	if p.SlowStart != 0 {
		b.WriteString(" slow_start=" + strconv.FormatInt(int64(p.SlowStart/time.Second), 10) + "s")
	}
	if p.Route != "" {
		b.WriteString(" route=" + p.Route)
	}
	if p.Backup {
		b.WriteString(" backup")
	}
	if p.Down {
		b.WriteString(" down")
	}
	if p.Drain {
		b.WriteString(" drain")
	}
	b.WriteString(";\n")
	return b.String()
}
