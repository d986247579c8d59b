#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go modules pinned in go.mod, for the
# cluster test harness. This script is the single entry point for CI and for
# test/cluster/global-setup.ts. It is idempotent: when the binaries for the
# pinned versions (and these exact sources) are already in the cache, it only
# says so.
#
#   bash test/cluster/build.sh              build if needed
#   bash test/cluster/build.sh --print-dir  print the binary directory and exit
#
# The cache lives outside the repo, keyed by Kubernetes version:
#   ${GANTRY_CACHE_DIR:-~/.cache/gantry}/k8s-<version>/{kube-apiserver,etcd}
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

module_version() {
  awk -v mod="$1" '$1 == mod && $2 ~ /^v/ { print $2; exit }' go.mod
}

k8s_version="$(module_version k8s.io/kubernetes)"
etcd_version="$(module_version go.etcd.io/etcd/server/v3)"
if [[ -z "$k8s_version" || -z "$etcd_version" ]]; then
  echo "build.sh: cannot read the k8s.io/kubernetes or etcd version from $here/go.mod" >&2
  exit 1
fi

cache_root="${GANTRY_CACHE_DIR:-${HOME}/.cache/gantry}"
bin_dir="${cache_root}/k8s-${k8s_version}"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$bin_dir"
  exit 0
elif [[ $# -gt 0 ]]; then
  echo "usage: bash test/cluster/build.sh [--print-dir]" >&2
  exit 2
fi

# The Go this needs is the `go` line of go.mod (kube-apiserver's own minimum).
go_needed="$(awk '$1 == "go" { print $2; exit }' go.mod)"
if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: Go ${go_needed} or later is needed to build kube-apiserver and etcd, and 'go' is not on PATH." >&2
  echo "build.sh: install it from https://go.dev/dl/ (or your package manager) and run this again." >&2
  exit 1
fi
# Asked outside this module with GOTOOLCHAIN=local: otherwise an old Go would go off
# and download the newer toolchain go.mod names instead of answering.
go_have="$(cd / && GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)"
go_have="${go_have#go}"
go_have="${go_have%%[!0-9.]*}"
# True when version $1 is at least $2 (dotted numbers; missing parts count as 0).
version_at_least() {
  local IFS=.
  local -a have=($1) need=($2)
  local i
  for i in 0 1 2; do
    if ((${have[i]:-0} > ${need[i]:-0})); then return 0; fi
    if ((${have[i]:-0} < ${need[i]:-0})); then return 1; fi
  done
  return 0
}
if [[ -z "$go_have" ]] || ! version_at_least "$go_have" "$go_needed"; then
  echo "build.sh: Go ${go_needed} or later is needed to build kube-apiserver and etcd, but $(command -v go) is Go ${go_have:-of unknown version}." >&2
  echo "build.sh: install a newer Go from https://go.dev/dl/ and put it first on PATH." >&2
  exit 1
fi

minor="${k8s_version#v}"
minor="${minor#*.}"
minor="${minor%%.*}"
ldflags="-s -w"
ldflags+=" -X k8s.io/component-base/version.gitVersion=${k8s_version}"
ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=${minor}"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"

# The stamp covers everything that decides what the binaries are, so editing the
# sources or switching Go rebuilds even when the version directory exists.
stamp="$(
  {
    cat go.mod go.sum main.go etcd/main.go
    go env GOVERSION GOOS GOARCH
    echo "CGO_ENABLED=0 $ldflags"
  } | if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -d' ' -f1
)"

mkdir -p "$bin_dir"
# Two runs at once (CI and a developer's vitest) wait for each other instead of
# writing the same files.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${bin_dir}/.lock"
  flock 9
fi

if [[ -x "${bin_dir}/kube-apiserver" && -x "${bin_dir}/etcd" ]] &&
  [[ "$(cat "${bin_dir}/stamp" 2>/dev/null)" == "$stamp" ]]; then
  echo "build.sh: kube-apiserver ${k8s_version} and etcd ${etcd_version} are cached in ${bin_dir}"
  exit 0
fi

export CGO_ENABLED=0
export GOFLAGS="-mod=readonly -buildvcs=false"
started=$SECONDS
log() { echo "build.sh: [$((SECONDS - started))s] $*"; }

log "building kube-apiserver ${k8s_version} and etcd ${etcd_version} into ${bin_dir}"
log "the first build compiles ~2,000 packages and takes many minutes on a small machine; later runs reuse the cache"
log "downloading modules (go.sum is committed; -mod=readonly)"
go mod download

rm -f "${bin_dir}/stamp"
tmp="$(mktemp -d "${bin_dir}/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

log "compiling kube-apiserver"
go build -trimpath -ldflags "$ldflags" -o "${tmp}/kube-apiserver" .
log "compiling etcd"
go build -trimpath -ldflags "-s -w" -o "${tmp}/etcd" ./etcd

"${tmp}/kube-apiserver" --version
# sed reads to the end: `head` would close the pipe early, and etcd's SIGPIPE
# fails the script under pipefail after a many-minute build.
"${tmp}/etcd" --version | sed -n 1p

mv -f "${tmp}/kube-apiserver" "${bin_dir}/kube-apiserver"
mv -f "${tmp}/etcd" "${bin_dir}/etcd"
echo "$stamp" >"${bin_dir}/stamp"
log "done: ${bin_dir}"
