package httpd

import (
	"bytes"
	"strconv"
	"strings"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/regex"
	"weir/internal/vars"
)

// This file is weir's ngx_http_ssi_filter_module: a body filter that
// finds "<!--# command param="value" ... -->" in the body of a response
// whose type is in ssi_types and replaces each by its result. Like
// nginx's:
//   - the parser is a state machine fed byte by byte, so a command may
//     be cut anywhere by the body's parts (a proxied body); bytes that
//     may start "<!--#" are held until the next part tells, and are lost
//     when the body ends first, as are an unfinished command's;
//   - "include virtual" (and "file") is a subrequest whose output takes
//     the command's place; the subrequests of one part of the body run
//     once the part is parsed, in order, unless the include waits
//     (wait=yes, set=, file=): then it and the ones before it run first;
//   - the variables set by "set", "include set=" and named captures, the
//     blocks and the captures of the last regex live in the main
//     request's context, shared with the subrequests' filters, while the
//     output state (if/else, block, encoding, timefmt, errmsg) is each
//     request's own.

// ssiMaxSubrequests is NGX_HTTP_MAX_SUBREQUESTS: how deep subrequests
// may nest before "subrequests cycle".
const ssiMaxSubrequests = 50

// The limits of ngx_http_ssi_filter_module.h.
const (
	ssiCommandLen = 32
	ssiParamLen   = 32
	ssiMaxParams  = 16
)

// The parser's states (ngx_http_ssi_state_e).
const (
	ssiStart = iota
	ssiTag
	ssiComment0
	ssiComment1
	ssiSharp
	ssiPrecommand
	ssiCommand
	ssiPreparam
	ssiParamState
	ssiPreequal
	ssiPrevalue
	ssiDoubleQuoted
	ssiQuoted
	ssiQuotedSymbol
	ssiPostparam
	ssiCommentEnd0
	ssiCommentEnd1
	ssiErrorState
	ssiErrorEnd0
	ssiErrorEnd1
)

// The echo encodings.
const (
	ssiNoEncoding = iota
	ssiURLEncoding
	ssiEntityEncoding
)

// ssiMain is the state that nginx keeps in the main request's ssi
// context and every filter of the request and its subrequests shares.
type ssiMain struct {
	vars   []ssiVar
	blocks []ssiBlock
	caps   []int // the last regex match's captures (offsets in capSubj)
	capSub string
	// action is the "while ..." nginx's connection log had when a
	// command's error is logged: the static module's, until a
	// subrequest ran
	action string
}

type ssiVar struct{ name, value string }

type ssiBlock struct {
	name string
	text []byte
}

type ssiParam struct {
	key, value []byte
}

// ssiInclude is an include whose subrequest is to run: its output goes
// at offset at of the filter's output.
type ssiInclude struct {
	at      int
	uri     string
	args    string
	stub    []byte
	hasStub bool
	done    bool
	out     []byte
	cuts    []int // where out's parts begin (a nested ssi's includes)
}

// ssiFilter is the ssi body filter of one request.
type ssiFilter struct {
	q    *request
	m    *ssiMain
	conf *config.SSILoc
	ct   string // the response's type, for a stub's header

	state, savedState int
	held              []byte // "<", "<!", "<!-" or "<!--" not yet known to be text
	cmd               []byte
	params            []ssiParam

	output       bool
	outputChosen bool
	conditional  int
	block        bool
	encoding     int
	timefmt      string
	errmsg       string

	out  []byte
	incs []*ssiInclude
	// flushes are where in out a command flushed what came before it
	// (ngx_http_ssi_output before an include); cuts are where the parts
	// of the last output begin: nginx sends the text before such a
	// command and each include's output by themselves (httpcore.Cutter)
	flushes []int
	cuts    []int
}

// ssiMainOf returns the main request's shared ssi state.
func (q *request) ssiMainOf() *ssiMain {
	m := q
	for m.main != nil {
		m = m.main
	}
	if m.ssiMain == nil {
		m.ssiMain = &ssiMain{action: " while sending response to client"}
	}
	return m.ssiMain
}

// ssiHeader is ngx_http_ssi_header_filter: with ssi on, a body that is
// not empty and a type of ssi_types, the body goes through the filter;
// a main request loses Content-Length and Accept-Ranges, and Last-Modified
// and ETag too unless ssi_last_modified keeps them (the ETag weak).
func (q *request) ssiHeader(w *httpcore.Response) {
	sc := &q.lc.SSI
	if !sc.Enable.V || w.ContentLength == 0 || !q.typeMatch(sc.Types.V, w.ContentType) {
		return
	}
	f := &ssiFilter{q: q, m: q.ssiMainOf(), conf: sc, ct: w.ContentType, output: true,
		encoding: ssiEntityEncoding, timefmt: ssiDefaultTimefmt,
		errmsg: "[an error occurred while processing the directive]"}
	q.ssi = f
	w.Filters = append(w.Filters, f)
	if q.main != nil {
		return
	}
	w.ContentLength = -1
	w.Header = withoutField(w.Header, "accept-ranges")
	keepLastModified(w, sc.LastModified.V)
}

const ssiDefaultTimefmt = "%A, %d-%b-%Y %H:%M:%S %Z"

func (f *ssiFilter) Filter(p []byte) []byte {
	f.out = f.out[:0]
	f.incs = f.incs[:0]
	f.flushes = f.flushes[:0]
	f.cuts = f.cuts[:0]
	f.parse(p)
	return f.flush()
}

func (f *ssiFilter) Cuts() []int { return f.cuts }

// End drops what an unfinished command or "<!--" left, and gives the
// output of the includes still to run.
func (f *ssiFilter) End() []byte {
	f.out = f.out[:0]
	f.incs = f.incs[:0]
	f.flushes = f.flushes[:0]
	f.cuts = f.cuts[:0]
	return nil
}

// flush runs the includes of this part and puts their output in place,
// each a part of its own, as is the text before a flush.
func (f *ssiFilter) flush() []byte {
	if len(f.flushes) == 0 {
		return f.out
	}
	f.runPending()
	var b []byte
	from, i := 0, 0
	for _, at := range f.flushes {
		b = append(b, f.out[from:at]...)
		from = at
		f.cuts = append(f.cuts, len(b))
		for ; i < len(f.incs) && f.incs[i].at == at; i++ {
			inc := f.incs[i]
			for _, c := range inc.cuts {
				f.cuts = append(f.cuts, len(b)+c)
			}
			b = append(b, inc.out...)
			f.cuts = append(f.cuts, len(b))
		}
	}
	return append(b, f.out[from:]...)
}

// runPending runs the includes not run yet, in order.
func (f *ssiFilter) runPending() {
	for _, inc := range f.incs {
		if !inc.done {
			f.runInclude(inc, false)
		}
	}
}

// text passes body text on: out, a block being recorded, or nowhere.
func (f *ssiFilter) text(b []byte) {
	switch {
	case f.output:
		f.out = append(f.out, b...)
	case f.block && len(f.m.blocks) > 0:
		bl := &f.m.blocks[len(f.m.blocks)-1]
		bl.text = append(bl.text, b...)
	}
}

// heldText gives up the held bytes as text.
func (f *ssiFilter) heldText() {
	if len(f.held) > 0 {
		f.text(f.held)
		f.held = f.held[:0]
	}
}

func ssiSpace(c byte) bool { return c == ' ' || c == '\r' || c == '\n' || c == '\t' }

// parse is ngx_http_ssi_parse over one part of the body, running each
// command as it ends.
func (f *ssiFilter) parse(p []byte) {
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch f.state {
		case ssiStart:
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				f.text(p[i:])
				return
			}
			f.text(p[i : i+j])
			i += j
			f.held = append(f.held[:0], '<')
			f.state = ssiTag
		case ssiTag, ssiComment0, ssiComment1, ssiSharp:
			want := "!-- "[f.state-ssiTag]
			if f.state == ssiSharp {
				want = '#'
			}
			switch {
			case ch == want && f.state == ssiSharp:
				f.held = f.held[:0]
				f.state = ssiPrecommand
			case ch == want:
				f.held = append(f.held, ch)
				f.state++
			case ch == '<':
				f.heldText()
				f.held = append(f.held, '<')
				f.state = ssiTag
			default:
				f.heldText()
				f.text(p[i : i+1])
				f.state = ssiStart
			}
		case ssiPrecommand:
			if !ssiSpace(ch) {
				f.cmd = append(f.cmd[:0], ch)
				f.params = f.params[:0]
				f.state = ssiCommand
			}
		case ssiCommand:
			switch {
			case ssiSpace(ch):
				f.state = ssiPreparam
			case ch == '-':
				f.state = ssiCommentEnd0
			case len(f.cmd) == ssiCommandLen:
				f.logf("the \"%s%c...\" SSI command is too long", f.cmd, ch)
				f.state = ssiErrorState
			default:
				f.cmd = append(f.cmd, ch)
			}
		case ssiPreparam:
			switch {
			case ssiSpace(ch):
			case ch == '-':
				f.state = ssiCommentEnd0
			default:
				f.params = append(f.params, ssiParam{key: []byte{ch}})
				f.state = ssiParamState
			}
		case ssiParamState:
			pm := &f.params[len(f.params)-1]
			switch {
			case ssiSpace(ch):
				f.state = ssiPreequal
			case ch == '=':
				f.state = ssiPrevalue
			case ch == '-':
				f.state = ssiErrorEnd0
				f.logf("unexpected \"-\" symbol after \"%s\" parameter in \"%s\" SSI command", pm.key, f.cmd)
			case len(pm.key) == ssiParamLen:
				f.state = ssiErrorState
				f.logf("too long \"%s%c...\" parameter in \"%s\" SSI command", pm.key, ch, f.cmd)
			default:
				pm.key = append(pm.key, ch)
			}
		case ssiPreequal:
			switch {
			case ssiSpace(ch):
			case ch == '=':
				f.state = ssiPrevalue
			default:
				f.unexpected(ch, "after")
			}
		case ssiPrevalue:
			switch {
			case ssiSpace(ch):
			case ch == '"':
				f.state = ssiDoubleQuoted
			case ch == '\'':
				f.state = ssiQuoted
			default:
				f.unexpected(ch, "before value of")
			}
		case ssiDoubleQuoted, ssiQuoted, ssiQuotedSymbol:
			quote := byte('"')
			if f.state == ssiQuoted {
				quote = '\''
			}
			switch {
			case f.state != ssiQuotedSymbol && ch == quote:
				f.state = ssiPostparam
				continue
			case f.state == ssiQuotedSymbol:
				f.state = f.savedState
			case ch == '\\':
				f.savedState = f.state
				f.state = ssiQuotedSymbol
			}
			pm := &f.params[len(f.params)-1]
			if int64(len(pm.value)) == f.conf.ValueLen.V {
				f.logf("too long \"%s%c...\" value of \"%s\" parameter in \"%s\" SSI command", pm.value, ch, pm.key, f.cmd)
				f.state = ssiErrorState
				continue
			}
			pm.value = append(pm.value, ch)
		case ssiPostparam:
			switch {
			case ssiSpace(ch):
				f.state = ssiPreparam
			case ch == '-':
				f.state = ssiCommentEnd0
			default:
				pm := &f.params[len(f.params)-1]
				f.logf("unexpected \"%c\" symbol after \"%s\" value of \"%s\" parameter in \"%s\" SSI command", ch, pm.value, pm.key, f.cmd)
				f.state = ssiErrorState
			}
		case ssiCommentEnd0, ssiCommentEnd1:
			switch {
			case ch == '-' && f.state == ssiCommentEnd0:
				f.state = ssiCommentEnd1
			case ch == '>' && f.state == ssiCommentEnd1:
				f.state = ssiStart
				if !f.command() {
					f.ssiError()
				}
			default:
				f.logf("unexpected \"%c\" symbol in \"%s\" SSI command", ch, f.cmd)
				f.state = ssiErrorState
			}
		case ssiErrorState:
			if ch == '-' {
				f.state = ssiErrorEnd0
			}
		case ssiErrorEnd0:
			f.state = ssiErrorState
			if ch == '-' {
				f.state = ssiErrorEnd1
			}
		case ssiErrorEnd1:
			f.state = ssiErrorState
			if ch == '>' {
				f.state = ssiStart
				f.ssiError()
			}
		}
	}
}

// unexpected logs a character out of place around a parameter's "=";
// a "-" may still end the command.
func (f *ssiFilter) unexpected(ch byte, where string) {
	f.state = ssiErrorState
	if ch == '-' {
		f.state = ssiErrorEnd0
	}
	f.logf("unexpected \"%c\" symbol %s \"%s\" parameter in \"%s\" SSI command", ch, where, f.params[len(f.params)-1].key, f.cmd)
}

// ssiError puts the errmsg in the output, unless ssi_silent_errors.
func (f *ssiFilter) ssiError() {
	if !f.conf.SilentErrors.V {
		f.out = append(f.out, f.errmsg...)
	}
}

// logf logs a command's error as nginx does, at error.
func (f *ssiFilter) logf(format string, a ...any) {
	q := f.q
	q.log().Logf(errlog.Error, q.r.Conn.ID, format+"%s%s", append(a, f.m.action, q.logSuffix())...)
}

// ssiCmd is one SSI command: its parameters (the mandatory ones marked
// with a leading "!"), where it may be (1: after if/elif, 2: also after
// else) and whether it ends a block.
type ssiCmd struct {
	params      []string
	conditional int
	block       bool
	flush       bool // the output so far goes on before it runs
	run         func(f *ssiFilter, p map[string]string) bool
}

var ssiCommands map[string]*ssiCmd

func init() {
	ssiCommands = map[string]*ssiCmd{
		"include":  {params: []string{"virtual", "file", "wait", "set", "stub"}, flush: true, run: (*ssiFilter).include},
		"echo":     {params: []string{"!var", "default", "encoding"}, run: (*ssiFilter).echo},
		"config":   {params: []string{"errmsg", "timefmt"}, run: (*ssiFilter).config},
		"set":      {params: []string{"!var", "!value"}, run: (*ssiFilter).set},
		"if":       {params: []string{"!expr"}, run: (*ssiFilter).ifCmd},
		"elif":     {params: []string{"!expr"}, conditional: 1, run: (*ssiFilter).ifCmd},
		"else":     {conditional: 1, run: (*ssiFilter).elseCmd},
		"endif":    {conditional: 2, run: (*ssiFilter).endif},
		"block":    {params: []string{"!name"}, run: (*ssiFilter).blockCmd},
		"endblock": {block: true, run: (*ssiFilter).endblock},
	}
}

// command runs the command just parsed, as ngx_http_ssi_body_filter
// does for NGX_OK; false means the errmsg goes out.
func (f *ssiFilter) command() bool {
	name := string(f.cmd)
	cmd := ssiCommands[name]
	if cmd == nil {
		if f.output {
			f.logf("invalid SSI command: \"%s\"", name)
			return false
		}
		return true
	}
	if !f.output && !cmd.block {
		if f.block {
			// the command's text, rebuilt, is part of the block
			b := append([]byte("<!--#"), name...)
			for _, pm := range f.params {
				b = append(append(append(append(append(b, ' '), pm.key...), "=\""...), pm.value...), '"')
			}
			f.text(append(b, " -->"...))
			return true
		}
		if cmd.conditional == 0 {
			return true
		}
	}
	if cmd.conditional != 0 && (f.conditional == 0 || f.conditional > cmd.conditional) {
		f.logf("invalid context of SSI command: \"%s\"", name)
		return false
	}
	if len(f.params) > ssiMaxParams {
		f.logf("too many SSI command parameters: \"%s\"", name)
		return false
	}
	params := map[string]string{}
	for _, pm := range f.params {
		key := string(pm.key)
		known := false
		for _, n := range cmd.params {
			if strings.TrimPrefix(n, "!") == key {
				known = true
			}
		}
		if !known {
			f.logf("invalid parameter name: \"%s\" in \"%s\" SSI command", key, name)
			return false
		}
		if _, dup := params[key]; dup {
			f.logf("duplicate \"%s\" parameter in \"%s\" SSI command", key, name)
			return false
		}
		params[key] = string(pm.value)
	}
	for _, n := range cmd.params {
		if k, ok := strings.CutPrefix(n, "!"); ok {
			if _, set := params[k]; !set {
				f.logf("mandatory \"%s\" parameter is absent in \"%s\" SSI command", k, name)
				return false
			}
		}
	}
	if cmd.flush {
		f.flushes = append(f.flushes, len(f.out))
	}
	return cmd.run(f, params)
}

// lookup is ngx_http_ssi_get_variable: a capture of the last regex
// ("0".."9"), then the SSI variables.
func (f *ssiFilter) lookup(name string) (string, bool) {
	m := f.m
	if len(name) == 1 && name[0] >= '0' && name[0] <= '9' {
		if i := int(name[0] - '0'); 2*i+1 < len(m.caps) {
			a, b := m.caps[2*i], m.caps[2*i+1]
			if a < 0 {
				return "", true
			}
			return m.capSub[a:b], true
		}
	}
	for _, v := range m.vars {
		if v.name == name {
			return v.value, true
		}
	}
	return "", false
}

// setVar sets an SSI variable in the main request's context.
func (f *ssiFilter) setVar(name, value string) {
	m := f.m
	for i := range m.vars {
		if m.vars[i].name == name {
			m.vars[i].value = value
			return
		}
	}
	m.vars = append(m.vars, ssiVar{name: name, value: value})
}

// variable is ngx_http_ssi_get_variable, then ngx_http_get_variable: an
// SSI variable, or one of nginx's by name (not found for a name nginx
// does not know).
func (f *ssiFilter) variable(name string) (string, bool) {
	name = strings.ToLower(name)
	if v, ok := f.lookup(name); ok {
		return v, true
	}
	return f.q.varByName(name)
}

// varByName evaluates the variable called name (lower case) as
// ngx_http_get_variable does at run time.
func (q *request) varByName(name string) (string, bool) {
	p := vars.Ref(name)
	v := &vars.Value{Raw: "$" + name, Parts: []vars.Part{p}}
	if err := q.snap.Cfg.HTTP.Vars.Check([]*vars.Value{v}); err != nil {
		return "", false
	}
	return q.value(&v.Parts[0])
}

// ssiPrefix flags evaluate: a relative URI gets the request's directory.
const (
	ssiAddPrefix = 1 << iota
)

// evaluate is ngx_http_ssi_evaluate_string: "\" quotes the next
// character ("\\", "\'", "\"" and "\$" lose it, others keep it), and
// $name or ${name} are replaced by their values (nothing for one not
// found); false when a variable is malformed (logged).
func (f *ssiFilter) evaluate(text string, flags int) (string, bool) {
	var b []byte
	if strings.IndexByte(text, '$') < 0 {
		if flags&ssiAddPrefix != 0 && (text == "" || text[0] != '/') {
			b = append(b, f.uriDir()...)
		}
		return string(ssiUnquote(b, text)), true
	}
	var parts []string
	for i := 0; i < len(text); {
		if text[i] != '$' {
			j := i
			quoted := false
			for ; j < len(text); j++ {
				if !quoted && text[j] == '$' {
					break
				}
				quoted = !quoted && text[j] == '\\'
			}
			parts = append(parts, string(ssiUnquote(nil, text[i:j])))
			i = j
			continue
		}
		i++
		if i == len(text) {
			f.logf("invalid variable name in \"%s\"", text)
			return "", false
		}
		bracket := false
		if text[i] == '{' {
			bracket = true
			i++
			if i == len(text) {
				f.logf("invalid variable name in \"%s\"", text)
				return "", false
			}
		}
		start := i
		name := ""
		for ; i < len(text); i++ {
			ch := text[i]
			if ch == '}' && bracket {
				name = text[start:i]
				i++
				bracket = false
				break
			}
			if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_' {
				continue
			}
			break
		}
		if bracket {
			f.logf("the closing bracket in \"%s\" variable is missing", text[start:i])
			return "", false
		}
		if name == "" {
			name = text[start:i]
		}
		if name == "" {
			f.logf("invalid variable name in \"%s\"", text)
			return "", false
		}
		if v, ok := f.variable(name); ok {
			parts = append(parts, v)
		}
	}
	if flags&ssiAddPrefix != 0 {
		for _, p := range parts {
			if p != "" {
				if p[0] != '/' {
					b = append(b, f.uriDir()...)
				}
				break
			}
		}
	}
	for _, p := range parts {
		b = append(b, p...)
	}
	return string(b), true
}

// uriDir is the request's URI up to its last "/".
func (f *ssiFilter) uriDir() string {
	uri := f.q.uri
	return uri[:strings.LastIndexByte(uri, '/')+1]
}

// ssiUnquote appends s to b with its backslashes resolved: "\\", "\'",
// "\"" and "\$" give the character, any other keeps the backslash, and a
// last lone backslash goes.
func ssiUnquote(b []byte, s string) []byte {
	quoted := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !quoted {
			if ch == '\\' {
				quoted = true
				continue
			}
		} else {
			quoted = false
			if ch != '\\' && ch != '\'' && ch != '"' && ch != '$' {
				b = append(b, '\\')
			}
		}
		b = append(b, ch)
	}
	return b
}

// include is ngx_http_ssi_include.
func (f *ssiFilter) include(p map[string]string) bool {
	uri, hasURI := p["virtual"]
	file, hasFile := p["file"]
	wait, hasWait := p["wait"]
	set, hasSet := p["set"]
	stub, hasStub := p["stub"]
	switch {
	case hasURI && hasFile:
		f.logf("inclusion may be either virtual=\"%s\" or file=\"%s\"", uri, file)
		return false
	case !hasURI && !hasFile:
		f.logf("no parameter in \"include\" SSI command")
		return false
	case hasSet && hasStub:
		f.logf("\"set\" and \"stub\" cannot be used together in \"include\" SSI command")
		return false
	}
	if hasWait {
		if !hasURI {
			f.logf("\"wait\" cannot be used with file=\"%s\"", file)
			return false
		}
		switch {
		case strings.EqualFold(wait, "no"):
			hasWait = false
		case !strings.EqualFold(wait, "yes"):
			f.logf("invalid value \"%s\" in the \"wait\" parameter", wait)
			return false
		}
	}
	if !hasURI {
		uri, hasWait = file, true
	}
	uri, ok := f.evaluate(uri, ssiAddPrefix)
	if !ok {
		return false
	}
	u, args, bad, ok := parseUnsafeURI(uri)
	if !ok {
		f.logf("unsafe URI \"%s\" was detected", bad)
		return false
	}
	inc := &ssiInclude{at: len(f.out), uri: u, args: args}
	if hasStub {
		for i := range f.m.blocks {
			if f.m.blocks[i].name == stub {
				inc.stub, inc.hasStub = f.m.blocks[i].text, true
				break
			}
		}
		if !inc.hasStub {
			f.logf("\"stub\"=\"%s\" for \"include\" not found", stub)
			return false
		}
	}
	if f.depth() >= ssiMaxSubrequests+1 {
		f.logf("subrequests cycle while processing \"%s\"", u)
		return false
	}
	if hasSet {
		name := strings.ToLower(set)
		if _, found := f.lookup(name); !found {
			f.setVar(name, "")
		}
		f.runPending()
		f.runInclude(inc, true)
		if inc.out != nil {
			f.setVar(name, string(inc.out))
		}
		return true
	}
	f.incs = append(f.incs, inc)
	if hasWait {
		f.runPending()
	}
	return true
}

// depth is how deep the request is in subrequests.
func (f *ssiFilter) depth() int {
	n := 0
	for r := f.q; r.main != nil; r = r.main {
		n++
	}
	return n
}

// runInclude runs an include's subrequest (GET, the main request's
// headers) and keeps its output: the body as its filters made it, the
// stub instead when it answered an error or nothing, or for set= the
// body of a 2xx answer only.
func (f *ssiFilter) runInclude(inc *ssiInclude, set bool) {
	inc.done = true
	body, cuts, status, s := f.q.subrequestBody(inc.uri, inc.args)
	defer s.release()
	f.m.action = s.ssiAction()
	if set {
		if status < 300 && len(body) > 0 {
			inc.out = body
		}
		return
	}
	if inc.hasStub && (status >= 300 || len(body) == 0) {
		inc.out = s.stubOutput(inc.stub, f.ct, status >= 300)
		return
	}
	inc.out, inc.cuts = body, cuts
}

// ssiAction is the connection log's action a subrequest leaves: the
// static module's when it sent a file.
func (s *request) ssiAction() string {
	if s.staticSent {
		return " while sending response to client"
	}
	return ""
}

// stubOutput is ngx_http_ssi_stub_output: the block goes out as the
// subrequest's body, with the parent's type; its commands run when the
// subrequest's header was not sent yet (an error) and its location has
// ssi on for that type.
func (s *request) stubOutput(text []byte, ct string, errored bool) []byte {
	sc := &s.lc.SSI
	if !errored || !sc.Enable.V || !s.typeMatch(sc.Types.V, ct) {
		return text
	}
	f := &ssiFilter{q: s, m: s.ssiMainOf(), conf: sc, ct: ct, output: true,
		encoding: ssiEntityEncoding, timefmt: ssiDefaultTimefmt,
		errmsg: "[an error occurred while processing the directive]"}
	s.ssi = f
	return runFilters([]httpcore.BodyFilter{f}, text)
}

// subrequestBody runs a subrequest for uri and args whose body is kept
// (ssi's include, addition's), and returns the body its filters made,
// its status and the subrequest, to be released; cuts are where the
// body's parts begin (those of a nested ssi page).
func (q *request) subrequestBody(uri, args string) ([]byte, []int, int, *request) {
	s := q.newSubrequest(uri, args, false, "GET")
	s.w = httpcore.NewSubResponse(true)
	s.headerOnly = false
	s.run()
	body := s.w.Body()
	var cuts []int
	if len(s.w.Filters) > 0 {
		body, cuts = runFiltersCuts(s.w.Filters, body)
	}
	return body, cuts, s.subStatus(), s
}

// runFilters passes a whole body through body filters, as the engine
// passes a response's.
func runFilters(fs []httpcore.BodyFilter, body []byte) []byte {
	out, _ := runFiltersCuts(fs, body)
	return out
}

// runFiltersCuts is runFilters that also tells where the parts the
// filters made begin (httpcore.Cutter).
func runFiltersCuts(fs []httpcore.BodyFilter, body []byte) ([]byte, []int) {
	var out []byte
	var cuts []int
	keep := func(p []byte) bool {
		if len(out) > 0 {
			cuts = append(cuts, len(out))
		}
		out = append(out, p...)
		return true
	}
	httpcore.FilterBody(fs, body, keep)
	httpcore.EndFilters(fs, func(p []byte) { keep(p) })
	return out, cuts
}

// echo is ngx_http_ssi_echo.
func (f *ssiFilter) echo(p map[string]string) bool {
	v, ok := f.variable(p["var"])
	if !ok {
		d, has := p["default"]
		v = "(none)"
		if has {
			v = d
		}
	}
	if v == "" {
		return true
	}
	if enc, has := p["encoding"]; has {
		switch enc {
		case "none":
			f.encoding = ssiNoEncoding
		case "url":
			f.encoding = ssiURLEncoding
		case "entity":
			f.encoding = ssiEntityEncoding
		default:
			f.logf("unknown encoding \"%s\" in the \"echo\" command", enc)
		}
	}
	switch f.encoding {
	case ssiURLEncoding:
		v = escapeHTMLURI.escape(v)
	case ssiEntityEncoding:
		v = escapeHTMLEntities(v)
	}
	f.out = append(f.out, v...)
	return true
}

// escapeHTMLURI is NGX_ESCAPE_HTML as of nginx 1.21.1: " ", "#", "\"",
// "%", "'", "<", ">", "\\", "^", "`", "{", "|", "}", %00-%1F, %7F-%FF.
var escapeHTMLURI = escapeTable{0xffffffff, 0x500000ad, 0x50000000, 0xb8000001,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}

// escapeHTMLEntities is ngx_escape_html.
func escapeHTMLEntities(s string) string {
	if !strings.ContainsAny(s, "<>&\"") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// config is ngx_http_ssi_config.
func (f *ssiFilter) config(p map[string]string) bool {
	if v, ok := p["timefmt"]; ok {
		f.timefmt = v
	}
	if v, ok := p["errmsg"]; ok {
		f.errmsg = v
	}
	return true
}

// set is ngx_http_ssi_set.
func (f *ssiFilter) set(p map[string]string) bool {
	v, ok := f.evaluate(p["value"], 0)
	if !ok {
		return false
	}
	f.setVar(strings.ToLower(p["var"]), v)
	return true
}

// ifCmd is ngx_http_ssi_if, for if and elif: "left", "left = right",
// "left != right", where right may be /regex/ (its captures kept for
// $0..$9 and its named captures set as variables).
func (f *ssiFilter) ifCmd(p map[string]string) bool {
	if len(f.cmd) == 2 && f.conditional != 0 {
		f.logf("the \"if\" command inside the \"if\" command")
		return false
	}
	if f.outputChosen {
		f.output = false
		return true
	}
	expr := []byte(p["expr"])
	i := 0
	for ; i < len(expr); i++ {
		c := expr[i]
		if c >= 'A' && c <= 'Z' {
			expr[i] |= 0x20
			continue
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '$' || c == '{' || c == '}' || c == '_' || c == '"' || c == '\'' {
			continue
		}
		break
	}
	left, ok := f.evaluate(string(expr[:i]), 0)
	if !ok {
		return false
	}
	for i < len(expr) && expr[i] == ' ' {
		i++
	}
	if i == len(expr) {
		f.choose(left != "")
		return true
	}
	negative := false
	switch {
	case expr[i] == '=':
		i++
	case i+1 < len(expr) && expr[i] == '!' && expr[i+1] == '=':
		negative = true
		i += 2
	default:
		f.logf("invalid expression in \"%s\"", expr)
		return false
	}
	for i < len(expr) && expr[i] == ' ' {
		i++
	}
	last := len(expr)
	isRegex := false
	if i < last-1 && expr[i] == '/' {
		if expr[last-1] != '/' {
			f.logf("invalid expression in \"%s\"", expr)
			return false
		}
		isRegex = true
		last--
		i++
	} else if i < last-1 && expr[i] == '\\' && expr[i+1] == '/' {
		i++
	}
	right, ok := f.evaluate(string(expr[i:last]), 0)
	if !ok {
		return false
	}
	var match bool
	if isRegex {
		m, ok := f.regexMatch(right, left)
		if !ok {
			return false
		}
		match = m
	} else {
		match = left == right
	}
	f.choose(match != negative)
	return true
}

// choose ends an if or elif: its branch is output when true.
func (f *ssiFilter) choose(yes bool) {
	f.output = yes
	if yes {
		f.outputChosen = true
	}
	f.conditional = 1
}

// regexMatch is ngx_http_ssi_regex_match.
func (f *ssiFilter) regexMatch(pattern, s string) (bool, bool) {
	re, err := regex.Compile(pattern, false)
	if err != nil {
		f.logf("%s", err.Error())
		return false, false
	}
	caps := re.FindSubmatchIndex(s, nil)
	if caps == nil {
		return false, true
	}
	// rc of pcre2_match: the highest pair set, plus one
	n := len(caps) / 2
	for n > 1 && caps[2*(n-1)] < 0 {
		n--
	}
	f.m.caps, f.m.capSub = caps[:2*n], s
	for i, name := range re.Names() {
		if name == "" || 2*i+1 >= len(caps) {
			continue
		}
		v := ""
		if caps[2*i] >= 0 {
			v = s[caps[2*i]:caps[2*i+1]]
		}
		f.setVar(strings.ToLower(name), v)
	}
	return true, true
}

// elseCmd is ngx_http_ssi_else.
func (f *ssiFilter) elseCmd(map[string]string) bool {
	f.output = !f.outputChosen
	f.conditional = 2
	return true
}

// endif is ngx_http_ssi_endif.
func (f *ssiFilter) endif(map[string]string) bool {
	f.output, f.outputChosen, f.conditional = true, false, 0
	return true
}

// blockCmd is ngx_http_ssi_block: the text up to endblock is kept as the
// block, for an include's stub.
func (f *ssiFilter) blockCmd(p map[string]string) bool {
	f.m.blocks = append(f.m.blocks, ssiBlock{name: p["name"]})
	f.output, f.block = false, true
	return true
}

// endblock is ngx_http_ssi_endblock.
func (f *ssiFilter) endblock(map[string]string) bool {
	f.output, f.block = true, false
	return true
}

// ssiDate is $date_local and $date_gmt: the time in the request's
// timefmt (ssi's, or nginx's default), "%s" alone as seconds.
func (q *request) ssiDate(gmt bool) (string, bool) {
	now := q.h.Now()
	format := ssiDefaultTimefmt
	if q.ssi != nil {
		format = q.ssi.timefmt
	}
	if format == "%s" {
		return strconv.FormatInt(now.Unix(), 10), true
	}
	if gmt {
		now = now.UTC()
	} else {
		now = now.Local()
	}
	s := strftime(format, now, gmt)
	if s == "" {
		return "", false
	}
	return s, true
}
