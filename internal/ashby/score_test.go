package ashby_test

import (
	"encoding/json"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
)

func TestScoreValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		raw    string
		want   float64
		wantOK bool
	}{
		{name: "integer", raw: `4`, want: 4, wantOK: true},
		{name: "float", raw: `3.5`, want: 3.5, wantOK: true},
		{name: "numeric string", raw: `"4"`, want: 4, wantOK: true},
		{name: "padded numeric string", raw: `" 2 "`, want: 2, wantOK: true},
		{name: "score object", raw: `{"score": 3}`, want: 3, wantOK: true},
		{name: "score object string", raw: `{"score": "1"}`, want: 1, wantOK: true},
		{name: "null", raw: `null`},
		{name: "empty", raw: ``},
		{name: "text", raw: `"Strong Hire"`},
		{name: "empty string", raw: `""`},
		{name: "NaN string", raw: `"NaN"`},
		{name: "infinity string", raw: `"Inf"`},
		{name: "boolean", raw: `true`},
		{name: "array", raw: `[4]`},
		{name: "object without score", raw: `{"value": 4}`},
		{name: "nested score object", raw: `{"score": {"score": 4}}`},
		{name: "null score", raw: `{"score": null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ashby.ScoreValue(json.RawMessage(tt.raw))
			if ok != tt.wantOK || got != tt.want {
				t.Fatalf("ScoreValue(%s) = %v, %v; want %v, %v", tt.raw, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
