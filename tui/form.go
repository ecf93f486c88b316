package tui

import (
	"charm.land/bubbles/v2/textinput"
	"github.com/bitverse/bitverse/tui/styles"
)

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
