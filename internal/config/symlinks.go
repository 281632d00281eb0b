package config

import (
	"strings"

	"weir/internal/conf"
	"weir/internal/vars"
)

// Symlinks is disable_symlinks: Mode 0 off, 1 on, 2 if_not_owner (the
// values of static.Symlinks), and From the from= value, nil when none.
type Symlinks struct {
	Mode uint8
	From *vars.Value
}

// setDisableSymlinks is ngx_http_disable_symlinks: off, on or
// if_not_owner, and an optional from= with variables.
func setDisableSymlinks(b *builder, s *conf.Stmt) error {
	o := &b.cur.DisableSymlinks
	if o.Set {
		return duplicate(s)
	}
	sy := &Symlinks{}
	mode, fromSet := -1, false
	for _, a := range s.Args {
		switch {
		case a == "off":
			mode = 0
		case a == "on":
			mode = 1
		case a == "if_not_owner":
			mode = 2
		case strings.HasPrefix(a, "from="):
			v, err := b.compile(s, a[len("from="):])
			if err != nil {
				return err
			}
			sy.From, fromSet = v, true
		default:
			return conf.Errorf(s, "invalid parameter \"%s\"", a)
		}
	}
	if mode < 0 {
		return conf.Errorf(s, "\"%s\" must have \"off\", \"on\" or \"if_not_owner\" parameter", s.Name)
	}
	if len(s.Args) == 2 {
		if !fromSet {
			return conf.Errorf(s, "duplicate parameters \"%s %s\"", s.Args[0], s.Args[1])
		}
		if mode == 0 {
			return conf.Errorf(s, "\"from=\" cannot be used with \"off\" parameter")
		}
	}
	sy.Mode = uint8(mode)
	*o = Def(sy)
	return nil
}
