package config

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"weir/internal/conf"
	"weir/internal/errlog"
)

// load_module (ngx_load_module): nginx dlopen()s a module built for its
// own binary; weir cannot, so a file that could be one is refused with
// weir's reason, and any other gets the error dlopen() gives nginx.

func init() {
	register(Directive{Name: "load_module", Ctx: CtxMain, Args: Take1, Set: setLoadModule})
}

// elfHeaderSize is sizeof(Elf64_Ehdr): glibc's dlopen() calls a file
// shorter than that too short before it looks at the magic.
const elfHeaderSize = 64

func setLoadModule(b *builder, s *conf.Stmt) error {
	if b.main.events || b.http != nil {
		// ngx_count_modules has run (an events or http block)
		return conf.Errorf(s, "\"load_module\" directive is specified too late")
	}
	file := b.full(s.Args[0])
	if reason := dlopenError(file); reason != "" {
		return conf.Errorf(s, "dlopen() \"%s\" failed (%s: %s)", file, file, reason)
	}
	if filepath.Base(file) == "ngx_stream_module.so" {
		// weir has the stream module built in (stream.go); loading it
		// makes its directives known names (dispatch)
		if b.main.streamLoaded {
			return conf.Errorf(s, "module \"ngx_stream_module\" is already loaded")
		}
		b.main.streamLoaded = true
		return nil
	}
	return conf.Errorf(s, "load_module \"%s\": weir cannot load nginx's dynamic modules", file)
}

// dlopenError is the reason glibc's dlopen() gives for a file that is no
// shared object, or "" for one that starts as an ELF file.
func dlopenError(file string) string {
	var errno syscall.Errno
	f, err := os.Open(file)
	if err != nil {
		if errors.As(err, &errno) {
			return "cannot open shared object file: " + errlog.Strerror(errno)
		}
		return "cannot open shared object file: " + err.Error()
	}
	defer f.Close()
	head := make([]byte, elfHeaderSize)
	n, err := io.ReadFull(f, head)
	switch {
	case errors.As(err, &errno):
		return "cannot read file data: " + errlog.Strerror(errno)
	case n < elfHeaderSize:
		return "file too short"
	case !bytes.HasPrefix(head, []byte("\x7fELF")):
		return "invalid ELF header"
	}
	return ""
}
