package conf

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing/fstest"
)

// memFS is an in-memory FS of absolute paths for hermetic tests and
// fuzzing. Directories are implied by the files in them.
type memFS struct{ m fstest.MapFS }

func newMemFS(files map[string]string) memFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[strings.TrimPrefix(name, "/")] = &fstest.MapFile{Data: []byte(data)}
	}
	return memFS{m}
}

// rel turns an absolute path into a MapFS one; MapFS wants clean
// slash-free-rooted names.
func rel(name string) string {
	p := strings.TrimPrefix(path.Clean("/"+name), "/")
	if p == "" {
		return "."
	}
	return p
}

func (f memFS) ReadFile(name string) ([]byte, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EINVAL}
	}
	fi, err := fs.Stat(f.m, rel(name))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.ENOENT}
	}
	if fi.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: syscall.EISDIR}
	}
	return fs.ReadFile(f.m, rel(name))
}

func (f memFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(f.m, rel(name)) }
func (f memFS) Lstat(name string) (fs.FileInfo, error)     { return fs.Stat(f.m, rel(name)) }
func (f memFS) Stat(name string) (fs.FileInfo, error)      { return fs.Stat(f.m, rel(name)) }

// dump renders statements one per line for golden comparisons:
//
//	FILE:LINE NAME ARG... ;            a simple statement
//	FILE:LINE NAME ARG... {            a block, its body indented, then
//	FILE:ENDLINE }                     its closing line (0: cut off)
//
// Every word is Go-quoted; an argument written in quotes in the source is
// prefixed with q.
func dump(stmts []*Stmt) string {
	var b strings.Builder
	dumpTo(&b, stmts, "")
	return b.String()
}

func dumpTo(b *strings.Builder, stmts []*Stmt, indent string) {
	for _, s := range stmts {
		fmt.Fprintf(b, "%s%s:%d %s", indent, s.File, s.Line, strconv.Quote(s.Name))
		for i, a := range s.Args {
			b.WriteByte(' ')
			if s.Quoted[i] {
				b.WriteByte('q')
			}
			b.WriteString(strconv.Quote(a))
		}
		if !s.HasBlock {
			b.WriteString(" ;\n")
			continue
		}
		b.WriteString(" {\n")
		dumpTo(b, s.Block, indent+"  ")
		fmt.Fprintf(b, "%s%s:%d }\n", indent, s.File, s.EndLine)
	}
}

// format writes statements back as nginx configuration that parses to the
// same names, arguments and blocks: every word double-quoted, with only
// '"' and '\' escaped, which nginx's unescaping undoes exactly.
func format(stmts []*Stmt) string {
	var b strings.Builder
	formatTo(&b, stmts, 0)
	return b.String()
}

func formatTo(b *strings.Builder, stmts []*Stmt, depth int) {
	for _, s := range stmts {
		b.WriteString(strings.Repeat("    ", depth))
		b.WriteString(quoteWord(s.Name))
		for _, a := range s.Args {
			b.WriteByte(' ')
			b.WriteString(quoteWord(a))
		}
		if !s.HasBlock {
			b.WriteString(";\n")
			continue
		}
		b.WriteString(" {\n")
		formatTo(b, s.Block, depth+1)
		b.WriteString(strings.Repeat("    ", depth))
		b.WriteString("}\n")
	}
}

var wordEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func quoteWord(w string) string { return `"` + wordEscaper.Replace(w) + `"` }

// sameTree reports whether two trees have the same names, arguments and
// block structure (positions and quoting aside).
func sameTree(a, b []*Stmt) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Name != y.Name || x.HasBlock != y.HasBlock || !slices.Equal(x.Args, y.Args) || !sameTree(x.Block, y.Block) {
			return false
		}
	}
	return true
}
