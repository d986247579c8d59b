#!/usr/bin/env bash
# Builds the helm command from the Go module pinned in go.mod, for
# test/cluster/helm-charts.test.ts (helm lint and helm template of
# deploy/chart and deploy/agent-chart). Idempotent: when the binary for the
# pinned version (and this exact go.sum) is cached, it only says so.
#
#   bash test/helm/build.sh              build if needed
#   bash test/helm/build.sh --print-path print the binary's path and exit
#
# The cache lives outside the repo: ${GANTRY_CACHE_DIR:-~/.cache/gantry}/helm-<version>/helm
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

version="$(awk '$1 == "require" && $2 == "helm.sh/helm/v4" { print $3; exit } $1 == "helm.sh/helm/v4" { print $2; exit }' go.mod)"
if [[ -z "$version" ]]; then
  echo "build.sh: cannot read the helm.sh/helm/v4 version from $here/go.mod" >&2
  exit 1
fi
cache_root="${GANTRY_CACHE_DIR:-${HOME}/.cache/gantry}"
bin_dir="${cache_root}/helm-${version}"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "${bin_dir}/helm"
  exit 0
elif [[ $# -gt 0 ]]; then
  echo "usage: bash test/helm/build.sh [--print-path]" >&2
  exit 2
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: Go is needed to build helm ($(awk '$1 == "go" { print $2 }' go.mod) or later), and 'go' is not on PATH." >&2
  exit 1
fi

stamp="$(
  {
    cat go.mod go.sum tools.go
    go env GOVERSION GOOS GOARCH
  } | if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -d' ' -f1
)"

mkdir -p "$bin_dir"
if command -v flock >/dev/null 2>&1; then
  exec 9>"${bin_dir}/.lock"
  flock 9
fi

if [[ -x "${bin_dir}/helm" && "$(cat "${bin_dir}/stamp" 2>/dev/null)" == "$stamp" ]]; then
  echo "build.sh: helm ${version} is cached in ${bin_dir}"
  exit 0
fi

export CGO_ENABLED=0
export GOFLAGS="-mod=readonly -buildvcs=false"
started=$SECONDS
echo "build.sh: building helm ${version} into ${bin_dir} (a few minutes the first time; cached after)"
rm -f "${bin_dir}/stamp"
tmp="$(mktemp -d "${bin_dir}/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
go build -trimpath -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=${version}" \
  -o "${tmp}/helm" helm.sh/helm/v4/cmd/helm
"${tmp}/helm" version --short
mv -f "${tmp}/helm" "${bin_dir}/helm"
echo "$stamp" >"${bin_dir}/stamp"
echo "build.sh: [$((SECONDS - started))s] done: ${bin_dir}/helm"
