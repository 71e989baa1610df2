package store

import (
	"bytes"
	"encoding/json"
)

// compactJSON normalises JSON for comparison; invalid JSON is returned as is.
func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}
