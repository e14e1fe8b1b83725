// Command h2spec runs summerwind/h2spec's server conformance suite. The module proxy serves h2spec
// only as v2.2.1+incompatible (no go.mod), so this wrapper module pins its dependencies to the
// revisions of h2spec's own Gopkg.lock and replaces its cobra front end with the standard flag
// package (same flag names, so `h2spec -tls -k -p 8443 http2/5.1` reads as upstream's).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/summerwind/h2spec"
	"github.com/summerwind/h2spec/config"
)

func main() {
	host := flag.String("host", "127.0.0.1", "Target host")
	port := flag.Int("port", 0, "Target port")
	path := flag.String("path", "/", "Target path")
	timeout := flag.Int("timeout", 2, "Time seconds to test timeout")
	maxHeaderLen := flag.Int("max-header-length", 4000, "Maximum length of HTTP header")
	junit := flag.String("junit-report", "", "Path for JUnit test report")
	strict := flag.Bool("strict", false, "Run all test cases including strict test cases")
	dryRun := flag.Bool("dryrun", false, "Display only the title of test cases")
	useTLS := flag.Bool("tls", false, "Connect over TLS")
	insecure := flag.Bool("insecure", false, "Don't verify server's certificate")
	verbose := flag.Bool("verbose", false, "Output verbose log")
	flag.Parse()

	if *port == 0 {
		*port = 80
		if *useTLS {
			*port = 443
		}
	}
	c := &config.Config{
		Host:         *host,
		Port:         *port,
		Path:         *path,
		Timeout:      time.Duration(*timeout) * time.Second,
		MaxHeaderLen: *maxHeaderLen,
		JUnitReport:  *junit,
		Strict:       *strict,
		DryRun:       *dryRun,
		TLS:          *useTLS,
		Insecure:     *insecure,
		Verbose:      *verbose,
		Sections:     flag.Args(),
	}
	ok, err := h2spec.Run(c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "h2spec: %s\n", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}
