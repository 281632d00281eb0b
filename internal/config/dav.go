package config

import (
	"strings"

	"weir/internal/conf"
)

// DavLoc holds ngx_http_dav_module's settings of a level. Unset fields
// read as nginx's defaults through the methods below, so the module
// needs no row in the default table.
type DavLoc struct {
	Methods           Opt[uint32] // Dav* bits (dav_methods)
	Access            Opt[uint32] // dav_access, a file mode
	MinDeleteDepth    Opt[int64]
	CreateFullPutPath Opt[bool]
}

// The dav_methods bits. DavOff is what "off" sets: nginx gives it the
// bit of GET, which the module never handles, so "off" together with
// other methods leaves them on.
const (
	DavOff uint32 = 1 << iota
	DavPut
	DavDelete
	DavMkcol
	DavCopy
	DavMove
)

var davMethodNames = map[string]uint32{
	"off": DavOff, "put": DavPut, "delete": DavDelete, "mkcol": DavMkcol,
	"copy": DavCopy, "move": DavMove,
}

// Handles reports whether the module answers method at this level.
func (d *DavLoc) Handles(method string) bool {
	var bit uint32
	switch method {
	case "PUT":
		bit = DavPut
	case "DELETE":
		bit = DavDelete
	case "MKCOL":
		bit = DavMkcol
	case "COPY":
		bit = DavCopy
	case "MOVE":
		bit = DavMove
	}
	return d.Methods.V&bit != 0
}

// FileAccess is dav_access: the mode of the files PUT creates (0600 by
// default).
func (d *DavLoc) FileAccess() uint32 {
	if !d.Access.Set {
		return 0o600
	}
	return d.Access.V
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	dav := func(b *builder) *DavLoc { return &b.cur.Dav }
	register(
		Directive{Name: "dav_methods", Ctx: hsl, Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[uint32] { return &dav(b).Methods }, davMethodNames)},
		Directive{Name: "create_full_put_path", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &dav(b).CreateFullPutPath })},
		Directive{Name: "min_delete_depth", Ctx: hsl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &dav(b).MinDeleteDepth })},
		Directive{Name: "dav_access", Ctx: hsl, Args: Take123, Set: accessSlot(func(b *builder) *Opt[uint32] { return &dav(b).Access })},
	)
}

// accessSlot is ngx_conf_set_access_slot: "user:rw group:r all:r" and the
// like, as a file mode; the owner keeps read and write unless a "user:"
// word says otherwise.
func accessSlot(field func(b *builder) *Opt[uint32]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		mode, err := parseAccess(s)
		if err != nil {
			return err
		}
		*o = Def(mode)
		return nil
	}
}

// parseAccess reads the words of an access directive into a file mode.
func parseAccess(s *conf.Stmt) (uint32, error) {
	mode, user := uint32(0), uint32(0o600)
	for _, a := range s.Args {
		who, right, _ := strings.Cut(a, ":")
		shift := uint32(0)
		switch {
		case !strings.Contains(a, ":"):
			return 0, conf.Errorf(s, "invalid value \"%s\"", a)
		case who == "user":
			shift, user = 6, 0
		case who == "group":
			shift = 3
		case who == "all":
			shift = 0
		default:
			return 0, conf.Errorf(s, "invalid value \"%s\"", a)
		}
		switch right {
		case "rw":
			mode |= 6 << shift
		case "r":
			mode |= 4 << shift
		default:
			return 0, conf.Errorf(s, "invalid value \"%s\"", a)
		}
	}
	return mode | user, nil
}
