package tui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	"github.com/bitverse/bitverse/tui/styles"
	"github.com/charmbracelet/x/ansi"
)

// fieldError draws a problem under a form field, wrapped to width and
// aligned with the field's value.
func fieldError(st styles.Styles, msg string, width int) string {
	return fieldErrorAt(st, msg, width, 2+11)
}

// fieldErrorAt draws a problem wrapped to width, indented by indent.
func fieldErrorAt(st styles.Styles, msg string, width, indent int) string {
	w := max(20, width-indent-1)
	lines := strings.Split(ansi.Wrap(msg, w, ""), "\n")
	for i, l := range lines {
		lines[i] = strings.Repeat(" ", indent) + st.FieldError.Render(l)
	}
	return strings.Join(lines, "\n")
}

// newInput returns a text input styled for the UI.
func newInput(st styles.Styles, prompt, placeholder string, width int) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	in.SetStyles(st.Input)
	in.SetWidth(width)
	return in
}

// newSecret is an input that hides what is typed.
func newSecret(st styles.Styles, prompt string, width int) textinput.Model {
	in := newInput(st, prompt, "", width)
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	return in
}

// focusOnly focuses inputs[i] and blurs the others.
func focusOnly(inputs []*textinput.Model, i int) {
	for j, in := range inputs {
		if j == i {
			in.Focus()
		} else {
			in.Blur()
		}
	}
}
