// Command etcd is the etcd server binary built from go.etcd.io/etcd/server/v3 alone; the upstream
// main.go in go.etcd.io/etcd/v3 does exactly this call.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
