package main

import "fmt"

// options is the parsed command line, as nginx's ngx_get_options leaves
// its globals.
type options struct {
	help      bool // -h, -?
	version   bool // -v, -V, -h
	configure bool // -V
	test      bool // -t, -T
	dump      bool // -T
	quiet     bool // -q

	prefix      string // -p
	prefixSet   bool
	confFile    string // -c
	globals     string // -g
	errorLog    string // -e; "stderr" (and "") mean standard error
	errorLogSet bool
	signal      string // -s: stop, quit, reopen or reload
}

// parseOptions is ngx_get_options: every argument must start with "-";
// flags combine ("-tq"); an option that takes a value takes the rest of
// its argument ("-cfile") or else the next argument ("-c file"), and ends
// the argument either way ("-cq" is the file "q"). The error is the message
// nginx prints after its name; the exit status is then 1.
func parseOptions(args []string) (*options, error) {
	o := &options{}
	for i := 0; i < len(args); i++ {
		p := args[i]
		if p == "" || p[0] != '-' {
			return nil, fmt.Errorf("invalid option: \"%s\"", p)
		}
		p = p[1:]
	flags:
		for len(p) > 0 {
			c := p[0]
			p = p[1:]
			// value returns the option's value: the rest of this
			// argument, else the next argument (nginx reads argv[++i],
			// which is NULL past the end).
			value := func() (string, bool) {
				if p != "" {
					return p, true
				}
				if i+1 < len(args) {
					i++
					return args[i], true
				}
				return "", false
			}
			switch c {
			case '?', 'h':
				o.version, o.help = true, true
			case 'v':
				o.version = true
			case 'V':
				o.version, o.configure = true, true
			case 't':
				o.test = true
			case 'T':
				o.test, o.dump = true, true
			case 'q':
				o.quiet = true
			case 'p':
				v, ok := value()
				if !ok {
					return nil, fmt.Errorf("option \"-p\" requires directory name")
				}
				o.prefix, o.prefixSet = v, true
				break flags
			case 'e':
				v, ok := value()
				if !ok {
					return nil, fmt.Errorf("option \"-e\" requires file name")
				}
				o.errorLog, o.errorLogSet = v, true
				break flags
			case 'c':
				v, ok := value()
				if !ok {
					return nil, fmt.Errorf("option \"-c\" requires file name")
				}
				o.confFile = v
				break flags
			case 'g':
				v, ok := value()
				if !ok {
					return nil, fmt.Errorf("option \"-g\" requires parameter")
				}
				o.globals = v
				break flags
			case 's':
				v, ok := value()
				if !ok {
					return nil, fmt.Errorf("option \"-s\" requires parameter")
				}
				switch v {
				case "stop", "quit", "reopen", "reload":
					o.signal = v
				default:
					return nil, fmt.Errorf("invalid option: \"-s %s\"", v)
				}
				break flags
			default:
				return nil, fmt.Errorf("invalid option: \"%s\"", []byte{c})
			}
		}
	}
	return o, nil
}
