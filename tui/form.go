package tui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/tui/styles"
	"github.com/charmbracelet/x/ansi"
)

// form is the form component: its fields in order, which one has focus,
// and moving between them. A nil field is one its owner draws and takes
// keys for (the put form's depth); the others are text inputs.
type form struct {
	fields []*textinput.Model
	focus  int
}

func newForm(fields ...*textinput.Model) form { return form{fields: fields} }

// focusOn gives field i the focus.
func (f *form) focusOn(i int) tea.Cmd {
	f.focus = i
	for j, in := range f.fields {
		switch {
		case in == nil:
		case j == i:
			in.Focus()
		default:
			in.Blur()
		}
	}
	return nil
}

// next and prev move the focus (tab, shift+tab), wrapping around.
func (f *form) next() tea.Cmd { return f.focusOn((f.focus + 1) % len(f.fields)) }
func (f *form) prev() tea.Cmd { return f.focusOn((f.focus + len(f.fields) - 1) % len(f.fields)) }

// blur takes the focus from every field (the form is left or sent).
func (f *form) blur() {
	for _, in := range f.fields {
		if in != nil {
			in.Blur()
		}
	}
}

// reset empties every field.
func (f *form) reset() {
	for _, in := range f.fields {
		if in != nil {
			in.Reset()
		}
	}
}

// update gives msg to the field with focus; it reports false when that
// field is the owner's.
func (f *form) update(msg tea.Msg) (tea.Cmd, bool) {
	in := f.fields[f.focus]
	if in == nil {
		return nil, false
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	return cmd, true
}

// restyle gives the text fields new styles.
func (f *form) restyle(st styles.Styles) {
	for _, in := range f.fields {
		if in != nil {
			in.SetStyles(st.Input)
		}
	}
}

// formFooter is a form's last line: what it is doing while its
// review-and-sign flow is busy, else the hint for enter.
func formFooter(st styles.Styles, busy bool, busyText, hint string) string {
	if busy {
		return "  " + st.Muted.Render(busyText)
	}
	return "  " + st.Muted.Render(hint)
}

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
