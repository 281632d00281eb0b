package conf

import (
	"fmt"
	"strings"
)

// confBuffer is NGX_CONF_BUFFER, the size of the buffer nginx reads a
// configuration file through. A word (or comment) that fills it is an
// error, so the lexer emulates the buffer's refills to fail exactly where
// nginx fails.
const confBuffer = 4096

// token is what one call of lexer.next found, mirroring the return codes
// of ngx_conf_read_token.
type token int

const (
	tokStmt       token = iota // words terminated by ";" (NGX_OK)
	tokBlockStart              // words terminated by "{" (NGX_CONF_BLOCK_START)
	tokBlockEnd                // a "}" (NGX_CONF_BLOCK_DONE)
	tokEOF                     // end of input (NGX_CONF_FILE_DONE)
)

// lexer holds the state that nginx keeps in ngx_conf_file_t between calls
// of ngx_conf_read_token: the input, the position, the line and the
// emulated read buffer.
type lexer struct {
	src   string
	name  string // the file name nginx prints in errors
	param bool   // the -g text: no file, errors say "in command line"
	pos   int
	line  int
	// bufEnd is the offset up to which nginx would have read the file into
	// its NGX_CONF_BUFFER buffer; reaching it means a refill.
	bufEnd int

	// words and quoted hold the words of the statement being read; they
	// are reused between statements.
	words  []string
	quoted []bool

	include *Stmt // the include statement this file is read through
}

// newLexer returns a lexer over src, which nginx names name in errors. With
// param set src is the -g text: nginx reads it from one buffer (so no word
// is too long) and reports errors "in command line" without a line.
func newLexer(name, src string, param bool) *lexer {
	l := &lexer{src: src, name: name, param: param, line: 1}
	if param {
		l.line = 0
		l.bufEnd = len(src)
	}
	return l
}

// errorf returns an error at the lexer's current position, as
// ngx_conf_log_error does.
func (l *lexer) errorf(format string, args ...any) *Error {
	e := &Error{Msg: fmt.Sprintf(format, args...), File: l.name, Line: l.line}
	if l.param {
		e.Line = 0
	}
	return e
}

// unexpected is nginx's `unexpected "%c"`: the byte as it is, where Go's
// %c would encode a byte above 0x7f as UTF-8.
func (l *lexer) unexpected(ch byte) *Error {
	return l.errorf(`unexpected "%s"`, []byte{ch})
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// next reads the words of one statement into l.words, as
// ngx_conf_read_token does: it returns at the statement's terminator, at a
// "}" or at the end of the input, and l.line is then the line nginx reports
// for the statement. The state machine is nginx's, flag for flag, so that
// every odd input (a quote inside a word, "${", a "#" inside a word, a
// backslash outside quotes) gives nginx's words or nginx's error.
func (l *lexer) next() (token, *Error) {
	var (
		needSpace, sharpComment, variable bool
		quoted, sQuoted, dQuoted          bool
		wordQuoted                        bool
		lastSpace                         = true
	)
	l.words = l.words[:0]
	l.quoted = l.quoted[:0]
	src := l.src
	start, startLine := l.pos, l.line

	for {
		if l.pos >= l.bufEnd {
			if l.bufEnd >= len(src) {
				if len(l.words) > 0 || !lastSpace {
					if l.param {
						return 0, l.errorf(`unexpected end of parameter, expecting ";"`)
					}
					return 0, l.errorf(`unexpected end of file, expecting ";" or "}"`)
				}
				return tokEOF, nil
			}
			// nginx moves the current word to the front of its buffer and
			// reads on; a word as long as the buffer cannot be moved.
			if l.pos-start == confBuffer {
				l.line = startLine
				switch {
				case dQuoted:
					return 0, l.errorf(`too long parameter, probably missing terminating """ character`)
				case sQuoted:
					return 0, l.errorf(`too long parameter, probably missing terminating "'" character`)
				}
				return 0, l.errorf(`too long parameter "%s..." started`, src[start:start+10])
			}
			l.bufEnd = min(start+confBuffer, len(src))
		}

		ch := src[l.pos]
		l.pos++

		if ch == '\n' {
			l.line++
			sharpComment = false
		}
		if sharpComment {
			continue
		}
		if quoted {
			quoted = false
			continue
		}

		if needSpace {
			switch ch {
			case ' ', '\t', '\r', '\n':
				lastSpace = true
				needSpace = false
				continue
			case ';':
				return tokStmt, nil
			case '{':
				return tokBlockStart, nil
			case ')':
				// "if ($a = "b")": the ")" starts a new word below.
				lastSpace = true
				needSpace = false
			default:
				return 0, l.unexpected(ch)
			}
		}

		if lastSpace {
			start, startLine = l.pos-1, l.line
			if isSpace(ch) {
				continue
			}
			wordQuoted = false
			switch ch {
			case ';', '{':
				if len(l.words) == 0 {
					return 0, l.unexpected(ch)
				}
				if ch == '{' {
					return tokBlockStart, nil
				}
				return tokStmt, nil
			case '}':
				if len(l.words) != 0 {
					return 0, l.errorf(`unexpected "}"`)
				}
				return tokBlockEnd, nil
			case '#':
				sharpComment = true
			case '\\':
				quoted = true
				lastSpace = false
			case '"':
				start++
				dQuoted, wordQuoted = true, true
				lastSpace = false
			case '\'':
				start++
				sQuoted, wordQuoted = true, true
				lastSpace = false
			case '$':
				variable = true
				lastSpace = false
			default:
				lastSpace = false
			}
			continue
		}

		// Inside a word. "${" keeps a variable's brace in the word.
		if ch == '{' && variable {
			continue
		}
		variable = false
		if ch == '\\' {
			quoted = true
			continue
		}
		if ch == '$' {
			variable = true
			continue
		}

		found := false
		switch {
		case dQuoted:
			if ch == '"' {
				dQuoted, needSpace, found = false, true, true
			}
		case sQuoted:
			if ch == '\'' {
				sQuoted, needSpace, found = false, true, true
			}
		case isSpace(ch) || ch == ';' || ch == '{':
			lastSpace, found = true, true
		}
		if !found {
			continue
		}

		l.words = append(l.words, unescape(src, start, l.pos-1))
		l.quoted = append(l.quoted, wordQuoted)
		switch ch {
		case ';':
			return tokStmt, nil
		case '{':
			return tokBlockStart, nil
		}
	}
}

// unescape returns the word src[start:end] with nginx's escapes translated:
// \" \' \\ lose their backslash, \t \r \n become the control characters,
// and every other backslash stays as written. nginx applies this to quoted
// and unquoted words alike. Like nginx it may look at src[end], the
// character that ended the word, which can never complete an escape in
// practice. A word without a backslash is a substring of the input and
// costs no allocation.
func unescape(src string, start, end int) string {
	w := src[start:end]
	i := strings.IndexByte(w, '\\')
	if i < 0 {
		return w
	}
	b := make([]byte, 0, len(w))
	b = append(b, w[:i]...)
	for p := start + i; p < end; {
		c := src[p]
		if c == '\\' && p+1 < len(src) {
			switch src[p+1] {
			case '"', '\'', '\\':
				p++
				c = src[p]
			case 't':
				b = append(b, '\t')
				p += 2
				continue
			case 'r':
				b = append(b, '\r')
				p += 2
				continue
			case 'n':
				b = append(b, '\n')
				p += 2
				continue
			}
		}
		b = append(b, c)
		p++
	}
	return string(b)
}
