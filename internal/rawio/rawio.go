// Package rawio makes the system calls of the hot path on non-blocking
// sockets without the scheduler's bookkeeping. syscall.Read and its kin
// tell the Go scheduler that the thread may block (entersyscall): that
// costs a little at every call, and wakes the runtime's monitor thread
// when it sleeps, so that a busy proxy pays futex and nanosleep calls on
// top of its reads and writes. A read or write on a non-blocking socket
// returns at once (EAGAIN when it would wait), so it is made as a raw
// system call; only large copies, which take the kernel a while, keep
// the bookkeeping.
package rawio

// rawMax is the largest write made without the scheduler's
// bookkeeping: copying more into a socket can take the kernel long
// enough that the thread should let go of its processor.
const rawMax = 64 << 10
