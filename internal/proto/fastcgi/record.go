package fastcgi

// Record types (FastCGI 1.0, section 8).
const (
	TypeBeginRequest    uint8 = 1
	TypeAbortRequest    uint8 = 2
	TypeEndRequest      uint8 = 3
	TypeParams          uint8 = 4
	TypeStdin           uint8 = 5
	TypeStdout          uint8 = 6
	TypeStderr          uint8 = 7
	TypeData            uint8 = 8
	TypeGetValues       uint8 = 9
	TypeGetValuesResult uint8 = 10
	TypeUnknownType     uint8 = 11
)

const (
	// Version is the only protocol version (FCGI_VERSION_1).
	Version = 1
	// HeaderLen is the length of a record header.
	HeaderLen = 8
	// MaxContent is the largest content of one record.
	MaxContent = 65535
	// RequestID is the id nginx gives every request: it runs one
	// request per connection and checks that responses carry this id.
	RequestID uint16 = 1
	// RoleResponder is the only role nginx asks for.
	RoleResponder = 1
	// FlagKeepConn asks the application to keep the connection after
	// the request (fastcgi_keep_conn on).
	FlagKeepConn = 1
	// StdinChunk is the size nginx cuts a request body into, one STDIN
	// record per chunk.
	StdinChunk = 32 * 1024
)

// Padding returns the padding nginx adds after n bytes of content: up to
// the next multiple of 8.
func Padding(n int) int { return -n & 7 }

// AppendRecordHeader appends the 8-byte header of a record with the
// given content and padding lengths (each must fit: content at most
// MaxContent, padding at most 255).
func AppendRecordHeader(dst []byte, typ uint8, id uint16, contentLen, paddingLen int) []byte {
	return append(dst, Version, typ, byte(id>>8), byte(id),
		byte(contentLen>>8), byte(contentLen), byte(paddingLen), 0)
}

var zeros [8]byte
