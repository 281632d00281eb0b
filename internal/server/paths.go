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
func createPaths(cfg *config.Config) error {
	for _, p := range cfg.Paths() {
		if err := syscall.Mkdir(p, 0o700); err != nil && err != syscall.EEXIST {
			return fmt.Errorf("mkdir() \"%s\" failed %s", p, errlog.SysError(err))
		}
	}
	return nil
}
