// Package difftest runs the same configuration and the same requests
// against a real nginx and against weir and compares what comes back:
// the status line, the response headers that matter, the bodies, the
// access-log lines and the error-log messages. Everything lives in the
// test files; the package itself is empty. The tests skip when nginx is
// not installed (CI installs it).
//
// A difference is a bug in weir unless a comment in the comparison says
// why it is deliberate (weir's name and version in Server headers and
// error-page footers), or the case is marked "known:" with the reason.
package difftest
