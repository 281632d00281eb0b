package config

import (
	"errors"
	"io/fs"
	"os"

	"weir/internal/conf"
)

// The state directive of commercial nginx's upstream module: the
// servers of a dynamically configurable group are kept in a file, as
// server lines, read when the configuration is (at start, reload and
// -t) in place of server lines in the block, and rewritten by the API
// after each change (upstream.Group.SaveState), so that the API's
// changes outlive a reload and a restart. The block then has no server
// lines and may have no servers at all.

func init() {
	register(Directive{Name: "state", Ctx: CtxUpstream, Args: Take1, Set: setState})
}

// setState is "state FILE": once per block, not with server lines.
func setState(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	if u.State != "" {
		return duplicate(s)
	}
	if len(u.Servers) > 0 {
		return conf.Errorf(s, "\"state\" directive is incompatible with \"server\"")
	}
	u.State = b.full(s.Args[0])
	return nil
}

// readState reads the server lines of u's state file when its block
// ends (the balancing method is known by then). A file that does not
// exist yet is an empty group; anything but server lines is refused,
// at the file's line.
func (b *builder) readState(u *Upstream) error {
	if _, err := os.Stat(u.State); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	tree, err := conf.ParseFile(u.State, conf.Options{ConfPrefix: b.cfg.ConfPrefix})
	if err != nil {
		return err
	}
	u.stateReading = true
	defer func() { u.stateReading = false }()
	for _, st := range tree.Stmts {
		if st.Name != "server" {
			return conf.Errorf(st, "\"%s\" directive is not allowed here", st.Name)
		}
		if err := b.dispatchRow(upstreamRows["server"], st); err != nil {
			return err
		}
	}
	return nil
}
