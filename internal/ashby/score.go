package ashby

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// ScoreValue decodes a submitted Score value. Ashby's read-back format is
// inconsistent, so it accepts a JSON number (4), a numeric string ("4"), or an
// object with a score key ({"score": 4} or {"score": "4"}). Anything else,
// including null, NaN and infinities, is "no score" (ok false).
func ScoreValue(raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, false
	}
	switch raw[0] {
	case '{':
		var obj struct {
			Score json.RawMessage `json:"score"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil || len(obj.Score) == 0 {
			return 0, false
		}
		if b := bytes.TrimSpace(obj.Score); len(b) > 0 && b[0] == '{' {
			return 0, false // no nesting beyond one level
		}
		return ScoreValue(obj.Score)
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
		return parseFinite(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, false
		}
		return parseFinite(n.String())
	}
}

func parseFinite(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
