// Package styles holds every lipgloss style of the terminal UI, so that a
// screen never invents a color of its own. Colors are given as true colors;
// Bubble Tea downsamples them to what the terminal supports (256, 16 colors
// or none on a dumb terminal), so nothing here has to care.
package styles

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// The palette: one accent, a few states, and greys for structure.
var (
	Accent  = lipgloss.Color("#8B7CF6")
	Accent2 = lipgloss.Color("#5EEAD4")
	Good    = lipgloss.Color("#4ADE80")
	Warn    = lipgloss.Color("#FBBF24")
	Bad     = lipgloss.Color("#F87171")
	Text    = lipgloss.Color("#E5E7EB")
	Muted   = lipgloss.Color("#9CA3AF")
	Subtle  = lipgloss.Color("#6B7280")
	Faint   = lipgloss.Color("#374151")
	SelBg   = lipgloss.Color("#312E81")
)

// Styles is the set of styles the UI draws with.
type Styles struct {
	Logo      lipgloss.Style
	Network   lipgloss.Style
	Header    lipgloss.Style
	Tab       lipgloss.Style
	ActiveTab lipgloss.Style
	TabBar    lipgloss.Style

	Title    lipgloss.Style // a section title
	Label    lipgloss.Style // a field name
	Value    lipgloss.Style // a field value
	Strong   lipgloss.Style
	Muted    lipgloss.Style
	Subtle   lipgloss.Style
	Good     lipgloss.Style
	Warn     lipgloss.Style
	Bad      lipgloss.Style
	Selected lipgloss.Style // the selected row of a list
	Column   lipgloss.Style // a table's column header

	Panel      lipgloss.Style // a rounded box
	Modal      lipgloss.Style // a dialog drawn over the screen
	Mnemonic   lipgloss.Style // the words of a mnemonic
	Spark      lipgloss.Style
	QR         lipgloss.Style // light modules as blocks on black
	Tree       lipgloss.Style // tree connectors
	ErrorLine  lipgloss.Style
	InfoLine   lipgloss.Style
	FieldError lipgloss.Style

	Help  help.Styles
	Input textinput.Styles
}

// Default returns the styles for a dark or light background. The UI uses the
// dark set unless the terminal reports a light background.
func Default(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	text := ld(lipgloss.Color("#1F2937"), Text)
	muted := ld(lipgloss.Color("#4B5563"), Muted)
	subtle := ld(lipgloss.Color("#6B7280"), Subtle)
	faint := ld(lipgloss.Color("#D1D5DB"), Faint)
	accent := ld(lipgloss.Color("#6D28D9"), Accent)
	accent2 := ld(lipgloss.Color("#0F766E"), Accent2)
	good := ld(lipgloss.Color("#15803D"), Good)
	warn := ld(lipgloss.Color("#B45309"), Warn)
	bad := ld(lipgloss.Color("#B91C1C"), Bad)
	selBg := ld(lipgloss.Color("#E0E7FF"), SelBg)

	s := Styles{
		Logo:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		Network:   lipgloss.NewStyle().Foreground(accent2),
		Header:    lipgloss.NewStyle().Foreground(muted),
		Tab:       lipgloss.NewStyle().Foreground(muted).Padding(0, 1),
		ActiveTab: lipgloss.NewStyle().Bold(true).Foreground(text).Background(selBg).Padding(0, 1),
		TabBar:    lipgloss.NewStyle().Foreground(faint),

		Title:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Label:    lipgloss.NewStyle().Foreground(muted),
		Value:    lipgloss.NewStyle().Foreground(text),
		Strong:   lipgloss.NewStyle().Bold(true).Foreground(text),
		Muted:    lipgloss.NewStyle().Foreground(muted),
		Subtle:   lipgloss.NewStyle().Foreground(subtle),
		Good:     lipgloss.NewStyle().Foreground(good),
		Warn:     lipgloss.NewStyle().Foreground(warn),
		Bad:      lipgloss.NewStyle().Foreground(bad),
		Selected: lipgloss.NewStyle().Foreground(text).Background(selBg).Bold(true),
		Column:   lipgloss.NewStyle().Foreground(subtle).Underline(true),

		Panel:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(faint).Padding(0, 1),
		Modal:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(1, 2),
		Mnemonic:   lipgloss.NewStyle().Bold(true).Foreground(accent2),
		Spark:      lipgloss.NewStyle().Foreground(accent2),
		QR:         lipgloss.NewStyle().Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#000000")),
		Tree:       lipgloss.NewStyle().Foreground(subtle),
		ErrorLine:  lipgloss.NewStyle().Foreground(bad),
		InfoLine:   lipgloss.NewStyle().Foreground(good),
		FieldError: lipgloss.NewStyle().Foreground(bad),
	}

	s.Help = help.DefaultStyles(isDark)
	s.Help.ShortKey = lipgloss.NewStyle().Foreground(muted)
	s.Help.FullKey = lipgloss.NewStyle().Foreground(muted)
	s.Help.ShortDesc = lipgloss.NewStyle().Foreground(subtle)
	s.Help.FullDesc = lipgloss.NewStyle().Foreground(subtle)

	s.Input = textinput.DefaultStyles(isDark)
	s.Input.Focused.Prompt = lipgloss.NewStyle().Foreground(accent)
	s.Input.Blurred.Prompt = lipgloss.NewStyle().Foreground(subtle)
	s.Input.Cursor.Blink = false // a calm, steady cursor (and stable test output)
	s.Input.Cursor.Shape = tea.CursorBlock
	s.Input.Cursor.Color = accent
	return s
}
