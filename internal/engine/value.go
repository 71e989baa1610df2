package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// Errors returned by [Compare]. Evaluate turns each into its reason code.
var (
	// ErrUnknownOperator means the operator is not one of [domain.Operators].
	ErrUnknownOperator = errors.New("unknown operator")
	// ErrNonNumeric means a numeric operator met a value that is not a number.
	ErrNonNumeric = errors.New("non-numeric value")
	// ErrInvalidThreshold means the threshold cannot be compared with the
	// value (not a number for a numeric operator or value, not true/false
	// for a boolean, an empty list for in).
	ErrInvalidThreshold = errors.New("invalid threshold")
	// ErrUnsupportedValue means the value is not a number, string or boolean
	// (an object, an array or null).
	ErrUnsupportedValue = errors.New("unsupported value")
)

// LookupValue reads the value at a dotted path in a submittedValues JSON
// object. At each level an exact key (which may itself contain dots) wins;
// otherwise the path is split at its first dot and the lookup descends. A
// decimal segment indexes an array. Numbers come back as float64, strings and
// booleans as themselves, and a {"score": n} object as n. ok is false when the
// JSON is invalid, the path is empty or missing, or the value is null.
func LookupValue(values json.RawMessage, path string) (any, bool) {
	if len(values) == 0 || path == "" {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(values))
	// UseNumber keeps one absurd number (1e400) from making the whole
	// scorecard unreadable.
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, false
	}
	v, ok := lookup(root, path)
	if !ok {
		return nil, false
	}
	v = normalize(unwrapScore(v))
	if v == nil {
		return nil, false
	}
	return v, true
}

func lookup(v any, path string) (any, bool) {
	for {
		switch node := v.(type) {
		case map[string]any:
			if x, ok := node[path]; ok {
				return x, true
			}
			head, rest, found := strings.Cut(path, ".")
			if !found {
				return nil, false
			}
			x, ok := node[head]
			if !ok {
				return nil, false
			}
			v, path = x, rest
		case []any:
			head, rest, found := strings.Cut(path, ".")
			i, err := strconv.Atoi(head)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			if !found {
				return node[i], true
			}
			v, path = node[i], rest
		default:
			return nil, false
		}
	}
}

// unwrapScore turns Ashby's {"score": n} form into n.
func unwrapScore(v any) any {
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["score"]; ok {
			return s
		}
	}
	return v
}

// normalize turns a json.Number into a float64 (or its text when it does not
// fit one) so callers see plain Go values.
func normalize(v any) any {
	if n, ok := v.(json.Number); ok {
		if f, err := n.Float64(); err == nil && finite(f) {
			return f
		}
		return n.String()
	}
	return v
}

// Compare applies op to value and threshold. See the package documentation
// for the semantics per value type. It returns an error wrapping
// [ErrUnknownOperator], [ErrNonNumeric], [ErrInvalidThreshold] or
// [ErrUnsupportedValue] when the comparison cannot be made; the result is
// then false.
func Compare(value any, op, threshold string) (bool, error) {
	if !slices.Contains(domain.Operators, op) {
		return false, fmt.Errorf("%w %q", ErrUnknownOperator, op)
	}
	value = normalize(unwrapScore(normalize(value)))
	switch op {
	case domain.OpEQ, domain.OpNE:
		eq, err := equal(value, threshold)
		if err != nil {
			return false, err
		}
		return eq == (op == domain.OpEQ), nil
	case domain.OpIn:
		options := splitList(threshold)
		if len(options) == 0 {
			return false, fmt.Errorf("%w: in needs a comma-separated list", ErrInvalidThreshold)
		}
		var firstErr error
		comparable := false
		for _, o := range options {
			eq, err := equal(value, o)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			comparable = true
			if eq {
				return true, nil
			}
		}
		if !comparable {
			return false, firstErr
		}
		return false, nil
	}
	th, ok := parseNumber(threshold)
	if !ok {
		return false, fmt.Errorf("%w: %q is not a number", ErrInvalidThreshold, threshold)
	}
	v, ok := number(value)
	if !ok {
		return false, fmt.Errorf("%w: %s needs a number", ErrNonNumeric, op)
	}
	switch op {
	case domain.OpGE:
		return v >= th, nil
	case domain.OpGT:
		return v > th, nil
	case domain.OpLE:
		return v <= th, nil
	default: // domain.OpLT
		return v < th, nil
	}
}

// equal is the == of Compare.
func equal(value any, threshold string) (bool, error) {
	switch v := value.(type) {
	case bool:
		b, ok := parseBool(threshold)
		if !ok {
			return false, fmt.Errorf("%w: a boolean compares to true or false, not %q", ErrInvalidThreshold, threshold)
		}
		return v == b, nil
	case string:
		if a, ok := parseNumber(v); ok {
			if b, ok := parseNumber(threshold); ok {
				return a == b, nil
			}
		}
		return v == threshold, nil
	}
	a, ok := number(value)
	if !ok {
		return false, fmt.Errorf("%w: %T", ErrUnsupportedValue, value)
	}
	b, ok := parseNumber(threshold)
	if !ok {
		return false, fmt.Errorf("%w: %q is not a number", ErrInvalidThreshold, threshold)
	}
	return a == b, nil
}

// number converts numbers and numeric strings; booleans are not numbers.
func number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case json.Number:
		return parseNumber(x.String())
	case string:
		return parseNumber(x)
	default:
		return 0, false
	}
	return f, finite(f)
}

// parseNumber parses a trimmed finite decimal number.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(f) {
		return 0, false
	}
	return f, true
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// splitList splits an in threshold into trimmed, non-empty options.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
