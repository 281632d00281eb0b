package difftest

import (
	"strings"
	"testing"
)

// More real configurations, in the manner of corpus2_test.go: Odoo,
// Moodle, Matomo, phpMyAdmin, Symfony, MinIO, a caching CDN front, a
// rate-limited API, canary routing, ingress-style snippets, Home
// Assistant, Synapse, Gitea and Keycloak, each as published (ports,
// certificates and paths made local), with the requests their users
// send. Each has been checked whole with nginx -t and weir -t too.
//
// Sites that leave proxy_http_version at its default set 1.0 in the http
// block: weir follows nginx 1.29.7 (1.1 and upstream keepalive by
// default), where nginx 1.22 speaks HTTP/1.0 with Connection: close.

// sendParts is a request whose head goes first and each of parts after
// it in a write of its own (a client streaming an upload).
func sendParts(c tc, parts ...string) tc {
	c.parts = append([]string{c.req}, parts...)
	c.req = ""
	return c
}

// chunkedUpload is a request with a chunked body whose chunks are
// written one by one after the head, the last chunk with the last one.
func chunkedUpload(name, method, uri string, chunks []string, hdr ...string) tc {
	c := req(name, method, uri, append(hdr, "Transfer-Encoding: chunked")...)
	var parts []string
	for i, ch := range chunks {
		p := hex(len(ch)) + "\r\n" + ch + "\r\n"
		if i == len(chunks)-1 {
			p += "0\r\n\r\n"
		}
		parts = append(parts, p)
	}
	return sendParts(c, parts...)
}

// TestCorpus3MinIO: MinIO's documented proxy: request and response
// buffering off, no body size limit, invalid header names passed,
// chunked_transfer_encoding off, least_conn upstreams, the console under
// /minio/ui/ with its WebSocket. The uploads come as S3 clients send
// them: a Content-Length body after the head, chunked bodies in several
// writes (nginx passes each read on as a chunk of its own), a large one.
func TestCorpus3MinIO(t *testing.T) {
	p := newPool(3)
	big := strings.Repeat("0123456789abcdef", 2500) // 40000 bytes
	runProxy(t, p, &site{
		http: `upstream minio_s3 { least_conn; server {{B0}}; server {{B1}}; }
    upstream minio_console { least_conn; server {{B2}}; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name minio.example.net;
      ignore_invalid_headers off;
      client_max_body_size 0;
      proxy_buffering off;
      proxy_request_buffering off;
      location / {
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 300;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        chunked_transfer_encoding off;
        proxy_pass http://minio_s3;
      }
      location /minio/ui/ {
        rewrite ^/minio/ui/(.*) /$1 break;
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-NginX-Proxy true;
        real_ip_header X-Real-IP;
        proxy_connect_timeout 300;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        chunked_transfer_encoding off;
        proxy_pass http://minio_console;
      }
    }`,
	},
		pc(get("list buckets", "/", "Host: minio.example.net", "X-Amz-Date: 20240305T060708Z", "X-Amz-Content-Sha256: UNSIGNED-PAYLOAD")),
		pc(req("head object", "HEAD", "/bucket/photo.jpg", "Host: minio.example.net")),
		pc(get("get object", "/bucket/big.bin?r=big", "Host: minio.example.net")),
		pc(get("get object without a length", "/bucket/stream?r=nolength", "Host: minio.example.net")),
		pc(get("get object chunked by minio", "/bucket/chunks?r=chunked", "Host: minio.example.net")),
		pc(get("invalid header names passed", "/bucket/?list-type=2", "Host: minio.example.net", "X-Amz-Meta-my.key: v", "X_Custom: u")),
		pc(sendParts(req("put object", "PUT", "/bucket/a.txt", "Host: minio.example.net", "Content-Length: 11", "Content-Type: text/plain"),
			"hello ", "world")),
		pc(chunkedUpload("put chunked in writes", "PUT", "/bucket/c.txt", []string{"hello ", "chunked ", "world"}, "Host: minio.example.net")),
		pc(chunkedUpload("put chunked large", "PUT", "/bucket/big.txt", []string{big, big[:5000]}, "Host: minio.example.net")),
		pc(sendParts(req("put chunks split inside", "PUT", "/bucket/s.txt", "Host: minio.example.net", "Transfer-Encoding: chunked"),
			"5\r\nhel", "lo\r\n3\r\nabc\r\n4\r\n", "defg\r\n0\r\n\r\n")),
		pc(sendParts(req("put chunked with some at once", "PUT", "/bucket/p.txt", "Host: minio.example.net", "Transfer-Encoding: chunked").
			withBody("5\r\nfirst\r\n"), "6\r\nsecond\r\n", "5\r\nthird\r\n0\r\n\r\n")),
		pc(sendParts(req("large content-length upload", "PUT", "/bucket/l.bin", "Host: minio.example.net", "Content-Length: 1500000"),
			strings.Repeat("z", 700000), strings.Repeat("z", 800000))),
		pc(postBody("multipart upload start", "/bucket/big.iso?uploads", "", "Host: minio.example.net")),
		pc(wsGet("console websocket", "/minio/ui/ws/objectManager?r=ws", "Host: minio.example.net")),
		pc(get("console page", "/minio/ui/browser/bucket", "Host: minio.example.net")),
	)
}
