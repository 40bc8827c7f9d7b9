// Command etcd is upstream etcd's server main (go.etcd.io/etcd/server/v3/main.go), built from the
// published module at the version pinned in go.mod.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
