// Package docs embeds aaa's OpenAPI document so the binary can serve it.
//
// docs/openapi.yaml is the description of every HTTP route aaa serves;
// internal/server serves it as JSON at GET /admin/openapi.json and its tests
// keep it equal to the router. This package holds nothing else.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml (OpenAPI 3.1), as written.
//
//go:embed openapi.yaml
var OpenAPI []byte
