package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/ashby-auto-advance/aaa/docs"
	"go.yaml.in/yaml/v3"
)

// openAPIJSON is the embedded OpenAPI document converted to JSON once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) { return yamlToJSON(docs.OpenAPI) })

// openAPI is GET /admin/openapi.json: docs/openapi.yaml, embedded in the
// binary, as JSON.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := openAPIJSON()
	if err != nil {
		s.writeError(w, r, http.StatusInternalServerError, "INTERNAL_ERROR", "the API description cannot be read: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(doc)
}

// yamlToJSON converts a YAML document to JSON. Mapping keys become strings
// (a YAML key such as 200 is written "200"), as JSON requires.
func yamlToJSON(in []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(in, &v); err != nil {
		return nil, fmt.Errorf("decode YAML: %w", err)
	}
	out, err := json.Marshal(jsonValue(v))
	if err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return out, nil
}

// jsonValue turns the maps yaml decodes into maps with string keys.
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonValue(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonValue(e)
		}
		return x
	}
	return v
}
