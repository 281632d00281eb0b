package httpd

import (
	"strings"
	"syscall"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/regex"
	"weir/internal/vars"
)

type scriptResult int

const (
	scriptNext    scriptResult = iota // go on to the next phase
	scriptDone                        // the request was answered
	scriptRestart                     // "rewrite ... last": find the location again
)

// runScript executes a rewrite-module script (ngx_http_rewrite_handler
// and the ngx_http_script_*_code functions).
func (q *request) runScript(script []config.Instr, loc *config.Location) scriptResult {
	q.scriptLog = q.lc.RewriteLog.V
	// ngx_http_rewrite_handler's engine starts with e->quote set
	q.scriptQuote = true
	res, _ := q.exec(script)
	// ngx_http_core_post_rewrite_phase: a location script that changed
	// the URI without "last" or "break" finds the location again; the
	// server script is followed by the location search anyway.
	if q.uriChanged {
		q.uriChanged = false
		if loc != nil && res == scriptNext {
			return scriptRestart
		}
	}
	return res
}

// exec runs instructions; stopped reports a "break" (or rewrite ... break)
// that ends the whole script.
func (q *request) exec(script []config.Instr) (res scriptResult, stopped bool) {
	for i := range script {
		in := &script[i]
		switch in.Op {
		case config.OpReturn:
			q.doReturn(in)
			return scriptDone, true
		case config.OpBreak:
			// ngx_http_script_break_code: a URI changed before it
			// no longer belongs to the location (r->valid_location = 0)
			if q.uriChanged {
				q.locChanged = true
			}
			q.uriChanged = false
			return scriptNext, true
		case config.OpSet:
			q.setVar(in.Name, in.Slot, q.evalScript(in.Value))
		case config.OpIf:
			if !q.cond(in.Cond) {
				continue
			}
			q.lc = in.Block.Loc
			q.updateLocationConfig()
			r, stop := q.exec(in.Block.Rewrite)
			if stop || r != scriptNext {
				return r, true
			}
		case config.OpRewrite:
			r, stop := q.rewrite(in)
			if stop {
				return r, true
			}
		}
	}
	return scriptNext, false
}

// rewrite applies one rewrite directive (ngx_http_script_regex_start_code
// and _end_code).
func (q *request) rewrite(in *config.Instr) (scriptResult, bool) {
	if !q.scriptMatch(in.Regex, q.uri) {
		return scriptNext, false
	}
	target, argsAt := q.evalReplacement(in.Replacement, in.Redirect)
	// ngx_http_script_regex_end_code: e->quote = 0 for the rest of the
	// script
	q.scriptQuote = false
	// ngx_http_script_regex_start_code: a matching rewrite makes the
	// request internal, so it may enter "internal" locations.
	q.internal = true
	if in.Redirect {
		// ngx_http_script_regex_end_code unescapes what it built
		loc := unescapeRedirect(target)
		if in.KeepArgs && q.args != "" {
			if in.NewArgs {
				loc += "&" + q.args
			} else {
				loc += "?" + q.args
			}
		}
		q.rewriteLog("rewritten redirect: \"%s\"", loc)
		code := 302
		if in.Flag == "permanent" {
			code = 301
		}
		q.redirect(code, loc)
		return scriptDone, true
	}
	// The args start after the first "?" of the replacement's own text
	// (ngx_http_script_start_args_code); a "?" in a variable's value
	// stays in the URI.
	uri := target
	if argsAt >= 0 {
		args := target[argsAt+1:]
		uri = target[:argsAt]
		if in.KeepArgs && q.args != "" {
			args += "&" + q.args
		}
		q.args, q.argsSet = args, true
	} else if !in.KeepArgs {
		q.args = ""
	}
	q.rewriteLog("rewritten data: \"%s\", args: \"%s\"", uri, q.args)
	if uri == "" {
		q.uri = uri // ($uri in the access log is empty)
		q.log().Logf(errlog.Error, q.r.Conn.ID, "the rewritten URI has a zero length%s", q.logSuffix())
		q.respondStatus(500)
		return scriptDone, true
	}
	q.uri = uri
	switch in.Flag {
	case "last":
		return scriptRestart, true
	case "break":
		q.uriChanged = false
		// r->valid_location = 0: proxy_pass's URI part no longer
		// replaces the location prefix; the changed URI goes as a whole
		q.locChanged = true
		return scriptNext, true
	}
	q.uriChanged = true
	return scriptNext, false
}

// rewriteLog writes one of the rewrite module's notices when rewrite_log
// was on where the script started (e->log is taken once per run of the
// rewrite phase handler).
func (q *request) rewriteLog(format string, args ...any) {
	if q.scriptLog {
		q.log().Logf(errlog.Notice, q.r.Conn.ID, format+"%s", append(args, q.logSuffix())...)
	}
}

// evalReplacement evaluates a rewrite replacement as nginx's script
// engine does: when the request's path was percent-encoded or had a "+"
// (r->quoted_uri, r->plus_in_uri), the regex captures copied into the
// args part, or anywhere into a redirect, are escaped with
// NGX_ESCAPE_ARGS (ngx_http_script_copy_capture_code). argsAt is where
// the first "?" of the replacement's literal text ended up (-1 if none,
// and always for a redirect, whose "?" is not compiled as args).
func (q *request) evalReplacement(v *vars.Value, redirect bool) (string, int) {
	s, argsAt := q.copyCaptures(v, redirect, true)
	if redirect {
		argsAt = -1
	}
	return s, argsAt
}

// evalScript evaluates a value of the rewrite module's script (set, if):
// while e->quote is on (from the start of the script to the first
// rewrite that matches), the regex captures it copies are escaped when
// the client's path was percent-encoded or had a "+".
func (q *request) evalScript(v *vars.Value) string {
	if !q.scriptQuote || v == nil || !q.quotedPath() {
		return q.eval(v)
	}
	s, _ := q.copyCaptures(v, true, false)
	return s
}

// copyCaptures evaluates v as nginx's script engine copies it
// (ngx_http_script_copy_capture_code): when the client's path was
// percent-encoded or had a "+" (r->quoted_uri, r->plus_in_uri), a regex
// capture is escaped with NGX_ESCAPE_ARGS if quote (e->quote) is on or
// the capture is in the args part (e->is_args), which starts after the
// first "?" of v's literal text when args (compile_args) is set;
// argsAt is where that "?" ended up, -1 if none.
func (q *request) copyCaptures(v *vars.Value, quote, args bool) (string, int) {
	quoted := q.quotedPath()
	var b []byte
	argsAt := -1
	for i := range v.Parts {
		p := &v.Parts[i]
		s, _ := q.value(p)
		if quoted && p.Kind == vars.Capture && (quote || argsAt >= 0) {
			s = escapeArgs.escape(s)
		}
		if args && argsAt < 0 && p.Kind == vars.Lit {
			if j := strings.IndexByte(p.Lit, '?'); j >= 0 {
				argsAt = len(b) + j
			}
		}
		b = append(b, s...)
	}
	return string(b), argsAt
}

// quotedPath is r->quoted_uri || r->plus_in_uri: the client's path had a
// %-escape or a "+".
func (q *request) quotedPath() bool {
	path, _, _ := strings.Cut(q.r.RawURI, "?")
	return strings.ContainsAny(path, "%+")
}

// scriptMatch is a regex of rewrite or if (ngx_http_script_regex_start_code):
// a match sets the captures, either way round ("!~" too), and a failed
// match forgets the earlier ones (r->ncaptures = 0), while the variables
// of named captures keep their values.
func (q *request) scriptMatch(re *regex.Regexp, s string) bool {
	if q.matchCaptures(re, s) {
		q.rewriteLog("\"%s\" matches \"%s\"", re.String(), s)
		return true
	}
	q.rewriteLog("\"%s\" does not match \"%s\"", re.String(), s)
	q.caps = q.caps[:0]
	return false
}

// cond evaluates an if condition (ngx_http_script_*_code for if).
func (q *request) cond(c *config.Cond) bool {
	switch c.Kind {
	case config.CondVar:
		v := q.evalScript(c.Left)
		return v != "" && v != "0"
	case config.CondEq:
		return q.evalScript(c.Left) == q.evalScript(c.Right)
	case config.CondNe:
		return q.evalScript(c.Left) != q.evalScript(c.Right)
	case config.CondMatch:
		return q.scriptMatch(c.Regex, q.evalScript(c.Left))
	case config.CondNotMatch:
		return !q.scriptMatch(c.Regex, q.evalScript(c.Left))
	}
	// ngx_http_script_file_code: the test of ngx_open_cached_file, whose
	// failures other than a missing file are logged
	path := q.evalScript(c.Left)
	fi, op, err := q.statPath(path)
	if en := errnoOf(err); err != nil && en != syscall.ENOENT && en != syscall.ENOTDIR && en != syscall.ENAMETOOLONG {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "%s \"%s\" failed %s%s", op, path, errlog.SysError(err), q.logSuffix())
	}
	switch c.Kind {
	case config.CondFile:
		return err == nil && fi.Mode().IsRegular()
	case config.CondNotFile:
		return !(err == nil && fi.Mode().IsRegular())
	case config.CondDir:
		return err == nil && fi.IsDir()
	case config.CondNotDir:
		return !(err == nil && fi.IsDir())
	case config.CondExists:
		return err == nil
	case config.CondNotExists:
		return err != nil
	case config.CondExec:
		return err == nil && fi.Mode()&0111 != 0
	case config.CondNotExec:
		return !(err == nil && fi.Mode()&0111 != 0)
	}
	return false
}

// doReturn implements the return directive (ngx_http_rewrite_return).
func (q *request) doReturn(in *config.Instr) {
	code := in.Code
	if code == 444 {
		q.closeNow()
		return
	}
	// ngx_http_script_return_code: codes from 400 without text are
	// special responses; anything else goes through
	// ngx_http_send_response, with an empty text if none was given.
	if in.Text == nil && code >= 400 {
		q.respondStatus(code)
		return
	}
	// ngx_http_send_response discards the body first and answers a
	// broken one with its error.
	if code := q.discardBody(); code != 0 {
		q.respondStatus(code)
		return
	}
	// the status is set before the text is evaluated ($status in it)
	q.status = code
	text := ""
	if in.Text != nil {
		text = q.eval(in.Text)
	}
	if code == 301 || code == 302 || code == 303 || code == 307 || code == 308 {
		q.redirect(code, text)
		return
	}
	q.sendText(code, text)
}

// setVar assigns a variable as set and auth_request_set do: through the
// set handler of a changeable built-in, else into its user slot.
func (q *request) setVar(name string, slot int, v string) {
	switch name {
	case "args":
		// $args is changeable: its set handler replaces the
		// request's args (ngx_http_variable_request_set)
		q.args, q.argsSet, q.argsSetVar = v, true, true
	case "limit_rate":
		// ngx_http_variable_request_set_size: the rate of this
		// response, whatever the location says
		if n := config.ParseSize(v); n >= 0 {
			q.limitRate, q.limitRateSet = n, true
			q.w.LimitRate = n
		} else {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "invalid size \"%s\"%s", v, q.logSuffix())
		}
	default:
		q.user[slot], q.userSet[slot] = v, true
	}
}
