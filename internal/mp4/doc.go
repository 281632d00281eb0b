// Package mp4 rewrites an MP4 file for pseudo-streaming as nginx's
// ngx_http_mp4_module does: it reads the ftyp, moov and mdat atoms,
// crops the sample tables of every track (stts, stss, ctts, stsc, stsz,
// stco/co64) to the asked interval, and gives the new ftyp and moov
// atoms and the mdat header as bytes, followed by the part of the file's
// mdat data to send. The port follows nginx's reading through a buffer
// of mp4_buffer_size (the moov atom read whole, up to
// mp4_max_buffer_size) and its checks, with its error messages, so that
// a broken file fails where and how it fails in nginx.
package mp4
