package server

import (
	"fmt"
	"syscall"

	"weir/internal/config"
	"weir/internal/errlog"
)

// createPaths is ngx_create_paths, run by every start, reload and -t
// before the logs are opened: each directory of the configuration's
// temp and cache paths is made with mode 0700 (the last component only:
// a missing parent is an error), one that exists is kept, and the first
// failure stops the load.
//
// One difference: a compiled-in temp directory (no directive names it)
// whose parent, the prefix, does not exist is left to be made when a
// temp file first needs it, as weir did before. nginx's packages ship
// their compiled-in directories (Debian's /var/lib/nginx), so a
// configuration with absolute paths only, started without -p, runs
// there; weir's compiled-in prefix is usually absent, and refusing to
// start over a directory the configuration never mentions would turn
// that same configuration away.
func createPaths(cfg *config.Config) error {
	paths, compiled := cfg.Paths()
	for _, p := range paths {
		err := syscall.Mkdir(p, 0o700)
		if err == nil || err == syscall.EEXIST || err == syscall.ENOENT && compiled[p] {
			continue
		}
		return fmt.Errorf("mkdir() \"%s\" failed %s", p, errlog.SysError(err))
	}
	return nil
}
