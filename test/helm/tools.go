//go:build tools

// Pins the helm command this module builds (see build.sh).
package tools

import _ "helm.sh/helm/v4/cmd/helm"
