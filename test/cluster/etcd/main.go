// Command etcd is the upstream etcd server main, at the go.etcd.io/etcd/server/v3
// version that k8s.io/kubernetes requires (see ../go.mod), so the apiserver talks
// to the etcd release it was tested against.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
