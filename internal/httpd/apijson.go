package httpd

import (
	"strconv"
	"strings"
	"time"
)

// The API's JSON: objects keep their keys in the order the commercial
// nginx prints them, compactly, as ngx_http_api_module does.

// jobj is a JSON object with ordered keys.
type jobj []jkv

type jkv struct {
	k string
	v any // string, int, int64, bool, jobj, []any, time.Time (ISO 8601)
}

func (o jobj) add(k string, v any) jobj { return append(o, jkv{k, v}) }

// only keeps the keys named in fields (the fields= argument).
func (o jobj) only(fields map[string]bool) jobj {
	out := jobj{}
	for _, kv := range o {
		if fields[kv.k] {
			out = append(out, kv)
		}
	}
	return out
}

func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return strconv.AppendQuote(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return append(append(append(b, '"'), x.UTC().Format("2006-01-02T15:04:05.000Z")...), '"')
	case jobj:
		b = append(b, '{')
		for i, kv := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, kv.k)
			b = append(b, ':')
			b = appendJSON(b, kv.v)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	}
	return append(b, "null"...)
}

// parseFields reads the fields= argument: nil when absent.
func parseFields(args string) map[string]bool {
	for args != "" {
		var kv string
		kv, args, _ = strings.Cut(args, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != "fields" {
			continue
		}
		m := map[string]bool{}
		for _, f := range strings.Split(v, ",") {
			if f != "" {
				m[f] = true
			}
		}
		return m
	}
	return nil
}
