package conf

// Options tells the parser where relative include paths start.
type Options struct {
	// ConfPrefix is the directory relative include paths are resolved
	// against (nginx's conf_prefix: the directory of the -c file).
	ConfPrefix string
}

// File is one configuration file as read, for `-T`.
type File struct {
	Name string
	Data []byte
}

// Tree is the result of parsing: the top-level statements and every file
// read, in the order first read.
type Tree struct {
	Stmts []*Stmt
	Files []File
}

// ParseFile reads the file at path (as given: the caller resolves it
// against the prefix) and every file it includes. On a syntax error it
// returns the tree of statements completed before the error together with
// the *Error, so that the caller can report a directive error that nginx
// would have hit first (nginx handles each statement as soon as it is read).
//
// TODO(helper): implement.
func ParseFile(path string, opt Options) (*Tree, error) { panic("unimplemented") }

// ParseString parses text as if it were a file named name (nginx uses
// "command line" for -g). Includes are resolved as in ParseFile.
func ParseString(name, text string, opt Options) (*Tree, error) { panic("unimplemented") }
