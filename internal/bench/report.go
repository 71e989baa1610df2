package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Figure is one measured number with the DESIGN.md target it answers to.
type Figure struct {
	// Name says what was measured ("webhook acks/s").
	Name string `json:"name"`
	// Value is the measurement in Unit.
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Target is DESIGN.md's figure ("≥ 7,500"), empty when there is none;
	// Met reports whether Value reaches it (nil without a target).
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
	// Note adds context (sample size, backlog, ...).
	Note string `json:"note,omitempty"`
	// Baseline is the same figure measured on the minimal receiver (see
	// Baseline), in Unit; Ratio is Value / Baseline. Both are zero when
	// there is no baseline.
	Baseline float64 `json:"baseline,omitempty"`
	Ratio    float64 `json:"ratio,omitempty"`
}

// VsBaseline records the baseline's value of the figure and its ratio; a
// baseline of zero or less records nothing.
func (f Figure) VsBaseline(baseline float64) Figure {
	if baseline > 0 {
		f.Baseline, f.Ratio = baseline, f.Value/baseline
	}
	return f
}

// UnitDeliveries is the unit of a figure that counts deliveries; its
// value prints as a whole number.
const UnitDeliveries = "deliveries"

// Measured is the figure's value as printed: "383 /s", or with a baseline
// "383 /s (0.41 × baseline 930 /s)".
func (f Figure) Measured() string {
	v := formatValue(f.Value)
	if f.Unit == UnitDeliveries {
		v = fmt.Sprintf("%.0f", f.Value)
	}
	s := v + " " + f.Unit
	if f.Baseline > 0 {
		s += fmt.Sprintf(" (%s × baseline %s %s)", formatRatio(f.Ratio), formatValue(f.Baseline), f.Unit)
	}
	return s
}

// AtLeast sets a lower-bound target.
func (f Figure) AtLeast(target float64, text string) Figure {
	ok := f.Value >= target
	f.Target, f.Met = text, &ok
	return f
}

// AtMost sets an upper-bound target.
func (f Figure) AtMost(target float64, text string) Figure {
	ok := f.Value <= target
	f.Target, f.Met = text, &ok
	return f
}

// RatioAtLeast sets a lower-bound target on the ratio to the baseline
// (call VsBaseline first); without a baseline the target is missed.
func (f Figure) RatioAtLeast(target float64, text string) Figure {
	ok := f.Baseline > 0 && f.Ratio >= target
	f.Target, f.Met = text, &ok
	return f
}

// RatioAtMost sets an upper-bound target on the ratio to the baseline
// (call VsBaseline first); without a baseline the target is missed.
func (f Figure) RatioAtMost(target float64, text string) Figure {
	ok := f.Baseline > 0 && f.Ratio <= target
	f.Target, f.Met = text, &ok
	return f
}

// Below sets a strict upper-bound target.
func (f Figure) Below(target float64, text string) Figure {
	ok := f.Value < target
	f.Target, f.Met = text, &ok
	return f
}

// Report is a bench run's result.
type Report struct {
	Backend     string    `json:"backend"`
	CPUs        int       `json:"cpus"`
	GoVersion   string    `json:"go_version"`
	Started     time.Time `json:"started"`
	Concurrency int       `json:"concurrency"`
	Duration    string    `json:"duration"`
	Schedules   int       `json:"schedules"`
	// Rate, Sustain and Senders describe the sustained phase (webhooks per
	// second, for how long, over how many connections); Sustain is empty
	// when the phase did not run.
	Rate    float64  `json:"rate,omitempty"`
	Sustain string   `json:"sustain,omitempty"`
	Senders int      `json:"senders,omitempty"`
	Figures []Figure `json:"figures"`
	// Errors lists phases that could not be measured.
	Errors []string `json:"errors,omitempty"`
}

// Add appends a figure.
func (r *Report) Add(f Figure) { r.Figures = append(r.Figures, f) }

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as an aligned text table.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "aaa bench: %s, %d CPUs, %s, %d connections for %s, %d schedules",
		r.Backend, r.CPUs, r.GoVersion, r.Concurrency, r.Duration, r.Schedules)
	if r.Sustain != "" {
		fmt.Fprintf(w, ", sustained %s/s for %s on %d connections", formatValue(r.Rate), r.Sustain, r.Senders)
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tMEASURED\tTARGET\t\tNOTE")
	for _, f := range r.Figures {
		verdict := ""
		if f.Met != nil {
			verdict = "ok"
			if !*f.Met {
				verdict = "MISSED"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, f.Measured(), f.Target, verdict, f.Note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range r.Errors {
		fmt.Fprintln(w, "error:", e)
	}
	return nil
}

func formatValue(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// formatRatio prints a ratio with two significant digits ("0.41", "2.1").
func formatRatio(r float64) string {
	if r >= 1 {
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.2f", r)
}

// Millis converts a duration to fractional milliseconds.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MiB converts bytes to mebibytes.
func MiB(b uint64) float64 { return float64(b) / (1 << 20) }
