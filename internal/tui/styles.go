package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// palette is the one set of colors the dashboard uses.
type palette struct {
	accent, good, bad, warn, dim, selectBg color.Color
}

var defaultPalette = palette{
	accent:   lipgloss.Color("63"),
	good:     lipgloss.Color("35"),
	bad:      lipgloss.Color("203"),
	warn:     lipgloss.Color("214"),
	dim:      lipgloss.Color("245"),
	selectBg: lipgloss.Color("237"),
}

// Styles are the dashboard's lipgloss styles, built from one palette. With
// NO_COLOR they use only text attributes (bold, reverse, underline).
type Styles struct {
	Title     lipgloss.Style
	TabActive lipgloss.Style
	Tab       lipgloss.Style
	Separator lipgloss.Style
	Header    lipgloss.Style
	Selected  lipgloss.Style
	Dim       lipgloss.Style
	Good      lipgloss.Style
	Bad       lipgloss.Style
	Warn      lipgloss.Style
	Live      lipgloss.Style
	Heading   lipgloss.Style
	Confirm   lipgloss.Style
	Status    lipgloss.Style
	Error     lipgloss.Style
	Help      help.Styles
}

// NewStyles returns the dashboard styles; noColor drops every color.
func NewStyles(noColor bool) Styles {
	p := defaultPalette
	base := lipgloss.NewStyle()
	if noColor {
		return Styles{
			Title:     base.Bold(true),
			TabActive: base.Bold(true).Reverse(true),
			Tab:       base,
			Separator: base,
			Header:    base.Bold(true),
			Selected:  base.Reverse(true),
			Dim:       base,
			Good:      base,
			Bad:       base.Bold(true),
			Warn:      base.Bold(true),
			Live:      base.Bold(true),
			Heading:   base.Bold(true).Underline(true),
			Confirm:   base.Bold(true).Reverse(true),
			Status:    base,
			Error:     base.Bold(true),
			Help:      help.Styles{ShortKey: base.Bold(true), ShortDesc: base, ShortSeparator: base, Ellipsis: base, FullKey: base.Bold(true), FullDesc: base, FullSeparator: base},
		}
	}
	h := help.DefaultDarkStyles()
	return Styles{
		Title:     base.Bold(true).Foreground(p.accent),
		TabActive: base.Bold(true).Foreground(lipgloss.Color("231")).Background(p.accent),
		Tab:       base.Foreground(p.dim),
		Separator: base.Foreground(p.dim),
		Header:    base.Bold(true).Foreground(p.accent),
		Selected:  base.Bold(true).Background(p.selectBg),
		Dim:       base.Foreground(p.dim),
		Good:      base.Foreground(p.good),
		Bad:       base.Foreground(p.bad),
		Warn:      base.Foreground(p.warn),
		Live:      base.Bold(true).Foreground(p.warn),
		Heading:   base.Bold(true).Foreground(p.accent),
		Confirm:   base.Bold(true).Foreground(lipgloss.Color("231")).Background(p.bad),
		Status:    base.Foreground(p.good),
		Error:     base.Bold(true).Foreground(p.bad),
		Help:      h,
	}
}
