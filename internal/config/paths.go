package config

// Paths returns the directories nginx registers with ngx_add_path and
// makes at every start, reload and -t (ngx_create_paths): the
// *_cache_path directories, then every level's client_body_temp_path and
// the proxy, fastcgi, uwsgi and scgi temp paths, each once. A level that
// sets none gets the compiled-in directory under the prefix, as
// ngx_conf_merge_path_value adds it; with no server block nothing is
// merged, so only what the http block names is made.
//
// Compiled reports the paths that come from the compiled-in prefix alone
// (no directive names them): the caller may treat a missing parent of
// those more gently than nginx does.
func (c *Config) Paths() (out []string, compiled map[string]bool) {
	h := c.HTTP
	if h == nil {
		return nil, nil
	}
	compiled = map[string]bool{}
	seen := map[string]bool{}
	add := func(p string) {
		delete(compiled, p) // a directive names it
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	addDefault := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
			compiled[p] = true
		}
	}
	for _, z := range h.CacheZones {
		add(z.Path)
	}
	var levels []*Loc
	each := func(l, _ *Loc, _ *Location, _ bool) error {
		levels = append(levels, l)
		return nil
	}
	for _, srv := range h.Servers {
		_ = each(srv.Loc, h.Loc, nil, false)
		_ = walkScript(srv.Rewrite, srv.Loc, each)
		_ = walkLocs(srv.locs, srv.Loc, each)
	}
	if len(h.Servers) == 0 {
		// the http level's own settings, when written
		levels = append(levels, h.Loc)
	}
	for _, l := range levels {
		switch {
		case l.ClientBodyTemp.Set:
			add(l.ClientBodyTemp.V)
		case len(h.Servers) > 0:
			addDefault(c.Prefix + "client_body_temp")
		}
	}
	for _, m := range []struct {
		name string
		uc   func(l *Loc) *UpstreamConf
	}{
		{"proxy", func(l *Loc) *UpstreamConf { return &l.Proxy.UpstreamConf }},
		{"fastcgi", func(l *Loc) *UpstreamConf { return &l.FastCGI.UpstreamConf }},
		{"uwsgi", func(l *Loc) *UpstreamConf { return &l.UWSGI.UpstreamConf }},
		{"scgi", func(l *Loc) *UpstreamConf { return &l.SCGI.UpstreamConf }},
	} {
		def := c.Prefix + m.name + "_temp"
		for _, l := range levels {
			p := m.uc(l).TempPath
			switch {
			case p.Set && p.V != def:
				add(p.V)
			case len(h.Servers) > 0:
				// unset, or merged down to the compiled-in one
				addDefault(def)
			}
		}
	}
	return out, compiled
}
