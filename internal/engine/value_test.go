package engine_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/engine"
)

func TestLookupValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values string
		path   string
		want   any
		ok     bool
	}{
		{name: "top-level number", values: `{"a":4}`, path: "a", want: 4.0, ok: true},
		{name: "numeric string stays a string", values: `{"a":" 4 "}`, path: "a", want: " 4 ", ok: true},
		{name: "score object", values: `{"a":{"score":3}}`, path: "a", want: 3.0, ok: true},
		{name: "score object reached by path", values: `{"a":{"score":3}}`, path: "a.score", want: 3.0, ok: true},
		{name: "boolean", values: `{"a":true}`, path: "a", want: true, ok: true},
		{name: "string", values: `{"a":"hire"}`, path: "a", want: "hire", ok: true},
		{name: "dotted path", values: `{"a":{"b":{"c":2}}}`, path: "a.b.c", want: 2.0, ok: true},
		{name: "exact key with dot wins", values: `{"a.b":1,"a":{"b":2}}`, path: "a.b", want: 1.0, ok: true},
		{name: "array index", values: `{"a":[{"b":1},{"b":2}]}`, path: "a.1.b", want: 2.0, ok: true},
		{name: "array index out of range", values: `{"a":[1]}`, path: "a.3", ok: false},
		{name: "missing key", values: `{"a":1}`, path: "b", ok: false},
		{name: "missing nested key", values: `{"a":{"b":1}}`, path: "a.c", ok: false},
		{name: "path through a scalar", values: `{"a":1}`, path: "a.b", ok: false},
		{name: "null", values: `{"a":null}`, path: "a", ok: false},
		{name: "null score", values: `{"a":{"score":null}}`, path: "a", ok: false},
		{name: "empty path", values: `{"":1}`, path: "", ok: false},
		{name: "invalid JSON", values: `{"a":`, path: "a", ok: false},
		{name: "empty values", values: ``, path: "a", ok: false},
		{name: "huge number kept as text", values: `{"a":1e400}`, path: "a", want: "1e400", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := engine.LookupValue(json.RawMessage(tt.values), tt.path)
			if ok != tt.ok || (ok && !reflect.DeepEqual(got, tt.want)) {
				t.Errorf("LookupValue(%s, %q) = %#v, %v; want %#v, %v", tt.values, tt.path, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		value     any
		op        string
		threshold string
		want      bool
		err       error
	}{
		{name: "number >=", value: 4.0, op: ">=", threshold: "4", want: true},
		{name: "int >", value: 4, op: ">", threshold: "3.5", want: true},
		{name: "numeric string <=", value: " 3 ", op: "<=", threshold: "3", want: true},
		{name: "number <", value: 2.0, op: "<", threshold: " 2 ", want: false},
		{name: "score map", value: map[string]any{"score": 4.0}, op: ">=", threshold: "4", want: true},
		{name: "json number", value: json.Number("4"), op: "==", threshold: "4", want: true},
		{name: "number == numeric", value: 4.0, op: "==", threshold: "4.00", want: true},
		{name: "number != ", value: 4.0, op: "!=", threshold: "4", want: false},
		{name: "number == text threshold", value: 4.0, op: "==", threshold: "four", err: engine.ErrInvalidThreshold},
		{name: "bool == TRUE", value: true, op: "==", threshold: "TRUE", want: true},
		{name: "bool == false", value: false, op: "==", threshold: " false ", want: true},
		{name: "bool != true", value: false, op: "!=", threshold: "True", want: true},
		{name: "bool == yes", value: true, op: "==", threshold: "yes", err: engine.ErrInvalidThreshold},
		{name: "bool >= 1", value: true, op: ">=", threshold: "1", err: engine.ErrNonNumeric},
		{name: "bool in", value: true, op: "in", threshold: "true,false", want: true},
		{name: "string == exact", value: "strong_hire", op: "==", threshold: "strong_hire", want: true},
		{name: "string == other case", value: "Strong_Hire", op: "==", threshold: "strong_hire", want: false},
		{name: "string != ", value: "hire", op: "!=", threshold: "no_hire", want: true},
		{name: "string == untrimmed threshold", value: "hire", op: "==", threshold: "hire ", want: false},
		{name: "numeric strings == numerically", value: "4", op: "==", threshold: "4.0", want: true},
		{name: "string in", value: "hire", op: "in", threshold: "strong_hire, hire", want: true},
		{name: "string not in", value: "no", op: "in", threshold: "strong_hire,hire", want: false},
		{name: "number in", value: 3.0, op: "in", threshold: "3,4", want: true},
		{name: "number in with a text option", value: 3.0, op: "in", threshold: "x,3", want: true},
		{name: "number in only text options", value: 3.0, op: "in", threshold: "x,y", err: engine.ErrInvalidThreshold},
		{name: "in empty list", value: "x", op: "in", threshold: " ,", err: engine.ErrInvalidThreshold},
		{name: "string >=", value: "great", op: ">=", threshold: "3", err: engine.ErrNonNumeric},
		{name: "NaN string is not numeric", value: "NaN", op: ">=", threshold: "3", err: engine.ErrNonNumeric},
		{name: "threshold not numeric", value: 3.0, op: ">=", threshold: "abc", err: engine.ErrInvalidThreshold},
		{name: "threshold infinite", value: 3.0, op: "<", threshold: "Inf", err: engine.ErrInvalidThreshold},
		{name: "unknown operator", value: 3.0, op: "=>", threshold: "3", err: engine.ErrUnknownOperator},
		{name: "empty operator", value: 3.0, op: "", threshold: "3", err: engine.ErrUnknownOperator},
		{name: "array ==", value: []any{1.0}, op: "==", threshold: "1", err: engine.ErrUnsupportedValue},
		{name: "nil ==", value: nil, op: "==", threshold: "1", err: engine.ErrUnsupportedValue},
		{name: "nil >=", value: nil, op: ">=", threshold: "1", err: engine.ErrNonNumeric},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := engine.Compare(tt.value, tt.op, tt.threshold)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("Compare(%#v, %q, %q) error = %v, want %v", tt.value, tt.op, tt.threshold, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("Compare(%#v, %q, %q) = %v, want %v", tt.value, tt.op, tt.threshold, got, tt.want)
			}
		})
	}
}
