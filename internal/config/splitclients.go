package config

import (
	"fmt"
	"strings"

	"weir/internal/conf"
	"weir/internal/vars"
)

// SplitClients is a split_clients block (ngx_http_split_clients_ctx_t):
// the MurmurHash2 of the key, a 32-bit number, falls into the first part
// whose cumulative share of 2^32-1 is above it; "*" takes the rest.
type SplitClients struct {
	Parts []SplitPart
}

// SplitPart is one "PERCENT VALUE;" of the block. Below is the running
// total of the shares up to and including this part, scaled to
// 0..0xffffffff as nginx computes it; 0 for "*". The value is a plain
// string: nginx does not read variables in it.
type SplitPart struct {
	Below   uint32
	Value   string
	percent uint32 // in hundredths of a percent, for Dump
}

// Pick returns the value for a hash, as ngx_http_split_clients_variable;
// ok is false when no part covers it (the variable is then empty).
func (sc *SplitClients) Pick(hash uint32) (string, bool) {
	for _, p := range sc.Parts {
		if hash < p.Below || p.Below == 0 {
			return p.Value, true
		}
	}
	return "", false
}

// MurmurHash2 is ngx_murmur_hash2, the hash split_clients applies to its
// key.
func MurmurHash2(data string) uint32 {
	const m = 0x5bd1e995
	h := uint32(len(data))
	for len(data) >= 4 {
		k := uint32(data[0]) | uint32(data[1])<<8 | uint32(data[2])<<16 | uint32(data[3])<<24
		k *= m
		k ^= k >> 24
		k *= m
		h *= m
		h ^= k
		data = data[4:]
	}
	switch len(data) {
	case 3:
		h ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

func init() {
	register(Directive{Name: "split_clients", Ctx: CtxHTTP, Args: Block | Take2, Set: setSplitClients})
}

// setSplitClients is ngx_conf_split_clients_block and
// ngx_http_split_clients: the key, the variable, then "PERCENT VALUE;"
// statements; the shares may not add up to more than 100% ("*" counts
// as the rest).
func setSplitClients(b *builder, s *conf.Stmt) error {
	key, err := b.compile(s, s.Args[0])
	if err != nil {
		return err
	}
	sc := &SplitClients{}
	if _, err := b.declareBlockVar(s, s.Args[1], key, sc, nil); err != nil {
		return err
	}
	for _, st := range s.Block {
		if st.HasBlock {
			return conf.Errorf(st, "unexpected \"{\"")
		}
		p := SplitPart{}
		if st.Name != "*" {
			n, ok := int64(-1), strings.HasSuffix(st.Name, "%")
			if ok {
				n = atofp(st.Name[:len(st.Name)-1], 2)
			}
			if n <= 0 {
				return conf.Errorf(st, "invalid percent value \"%s\"", st.Name)
			}
			p.percent = uint32(n) // truncated, as nginx stores it
		}
		if len(st.Args) > 0 {
			// nginx takes the second word and ignores any more
			p.Value = st.Args[0]
		}
		sc.Parts = append(sc.Parts, p)
	}
	if b.truncated && s.EndLine == 0 {
		return errTruncated
	}
	var sum, last uint32
	for i := range sc.Parts {
		p := &sc.Parts[i]
		if p.percent == 0 {
			sum = 10000
		} else {
			sum += p.percent
		}
		if sum > 10000 {
			return conf.ErrorfEnd(s, "percent total is greater than 100%%")
		}
		if p.percent != 0 {
			last += uint32(uint64(p.percent) * 0xffffffff / 10000)
			p.Below = last
		}
	}
	return nil
}

// atofp is ngx_atofp: a decimal number with at most point digits after
// its dot, times 10^point; -1 when invalid.
func atofp(s string, point int) int64 {
	if s == "" {
		return -1
	}
	var v int64
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if dot {
				return -1
			}
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			return -1
		}
		if point == 0 {
			return -1
		}
		if v > (1<<63-1-int64(c-'0'))/10 {
			return -1
		}
		v = v*10 + int64(c-'0')
		if dot {
			point--
		}
	}
	for ; point > 0; point-- {
		if v > (1<<63-1)/10 {
			return -1
		}
		v *= 10
	}
	return v
}

// declareBlockVar makes the variable of a geo or split_clients block, as
// their ngx_http_add_variable with NGX_HTTP_VAR_CHANGEABLE: a built-in
// that cannot change is "the duplicate" variable; any other name is
// computed by the block from here on (the latest block or map wins, as
// its getter replaces the earlier one). It returns the block's entry
// among the HTTP level's Maps.
func (b *builder) declareBlockVar(s *conf.Stmt, arg string, src *vars.Value, sc *SplitClients, g *Geo) (*Map, error) {
	if arg == "" || arg[0] != '$' {
		return nil, conf.Errorf(s, "invalid variable name \"%s\"", arg)
	}
	name := arg[1:]
	lname := strings.ToLower(name)
	if b.builtinVar(lname) {
		return nil, conf.Errorf(s, "the duplicate \"%s\" variable", name)
	}
	m := &Map{File: s.File, Line: s.Line, Name: lname, Source: src, Split: sc, Geo: g, Volatile: changeable[lname]}
	m.Slot = b.http.Vars.DeclareMap(lname, len(b.http.Maps))
	b.http.Maps = append(b.http.Maps, m)
	return m, nil
}

// blockDump shows a geo or split_clients block on one line for Dump.
func (m *Map) blockDump() []string {
	if m.Geo != nil {
		return append([]string{"geo $" + m.Name}, m.Geo.dumpText()...)
	}
	parts := []string{"split_clients $" + m.Name, quote(m.Source.Raw)}
	for _, p := range m.Split.Parts {
		share := "*"
		if p.percent != 0 {
			share = fmt.Sprintf("%d.%02d%%", p.percent/100, p.percent%100)
		}
		parts = append(parts, share+"="+quote(p.Value))
	}
	return parts
}
