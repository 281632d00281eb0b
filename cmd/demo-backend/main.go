// Command demo-backend is the small application server of weir's quick
// start: it answers every request with "PORT <port>" (and the request it
// saw), so that requests through weir show which backend served them.
// SIGTERM stops it after the requests in flight, as an application server
// being redeployed does.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:3000", "address to listen on (host:port or unix:/path)")
	flag.Parse()

	network, addr := "tcp", *listen
	if len(addr) > 5 && addr[:5] == "unix:" {
		network, addr = "unix", addr[5:]
		os.Remove(addr)
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		log.Fatal(err)
	}
	name := *listen
	if network == "tcp" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		name = "PORT " + port
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("X-Backend", name)
			fmt.Fprintf(w, "%s\n", name)
			if r.URL.Query().Has("verbose") {
				fmt.Fprintf(w, "%s %s %s\nHost: %s\n", r.Method, r.RequestURI, r.Proto, r.Host)
				for k, v := range r.Header {
					fmt.Fprintf(w, "%s: %v\n", k, v)
				}
			}
		}),
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx) // returns once the requests in flight are answered
		close(done)
	}()
	log.Printf("demo backend %s listening on %s", name, *listen)
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
	<-done
}
