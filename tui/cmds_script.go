package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// Keyspaces: look-ups, access scripts read from files and checked, and
// the script editor.

type (
	keyspacesMsg struct {
		owner string
		list  []node.KeyspaceInfo
		err   error
	}
	// keyspaceMsg answers the look-up of one name, request id.
	keyspaceMsg struct {
		id   reqID
		name string
		info *node.KeyspaceInfo
		err  error
	}
	// editFileMsg says the script to edit is in a temporary file and the
	// editor command is ready to run.
	editFileMsg struct {
		name, path string
		orig       []byte
		cmd        *exec.Cmd
		err        error
	}
	// editedMsg says the editor has exited.
	editedMsg struct {
		name, path string
		orig       []byte
		err        error
	}
)

func keyspacesCmd(ctx context.Context, api node.API, owner string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		list, err := api.Keyspaces(ctx, owner)
		return keyspacesMsg{owner: owner, list: list, err: err}
	}
}

func keyspaceCmd(ctx context.Context, api node.API, id reqID, name string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		info, err := api.Keyspace(ctx, name)
		return keyspaceMsg{id: id, name: name, info: info, err: err}
	}
}

// readScript reads an access script from path and checks its size; the
// node compiles it when the purchase is planned.
func readScript(path string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("cannot read %s: %v", path, pe.Err)
		}
		return nil, err
	}
	return src, checkScriptSize("the script "+filepath.Base(path), src)
}

// checkScriptSize refuses a script larger than the chain takes; what
// names it in the sentence.
func checkScriptSize(what string, src []byte) error {
	if len(src) > wire.MaxScriptSize {
		return fmt.Errorf("%s is %s; an access script is at most %s", what, view.Bytes(len(src)), view.Bytes(wire.MaxScriptSize))
	}
	return nil
}

// removeFileCmd removes a temporary file.
func removeFileCmd(path string) tea.Cmd {
	if path == "" {
		return nil
	}
	return func() tea.Msg {
		os.Remove(path)
		return nil
	}
}

// scriptTemplate is what the editor opens for a keyspace without a script.
func scriptTemplate(name string) []byte {
	return []byte(`// access.js of ` + name + `: decides which writes into ` + name + ` are allowed.
// validate(write, ctx) returns true, or throws a reason the writer sees.
//   write: key, value, size, signer, prev, prevExists
//   ctx:   keyspace, owner, height, time, chain, paid(from, to), ownerOf(name)
// Save this file unchanged to send nothing; save it empty to remove the
// script (then only the owner may write). Examples: examples/keyspaces/.

function validate(write, ctx) {
  if (write.signer !== ctx.owner) {
    throw 'only the owner of ' + ctx.keyspace + ' may write here';
  }
  return true;
}
`)
}

// editorArgv is the user's editor: $VISUAL, else $EDITOR, else vi.
func editorArgv() []string {
	for _, env := range []string{"VISUAL", "EDITOR"} {
		if f := strings.Fields(os.Getenv(env)); len(f) > 0 {
			return f
		}
	}
	return []string{"vi"}
}

// editFileCmd writes src to a temporary file and prepares the editor
// command that opens it (runEditor runs it, with the terminal).
func editFileCmd(name string, src, orig []byte) tea.Cmd {
	return func() tea.Msg {
		f, err := os.CreateTemp("", "bitverse-access-*.js")
		if err != nil {
			return editFileMsg{name: name, err: err}
		}
		_, err = f.Write(src)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
			return editFileMsg{name: name, err: err}
		}
		argv := append(editorArgv(), f.Name())
		return editFileMsg{name: name, path: f.Name(), orig: orig, cmd: exec.Command(argv[0], argv[1:]...)}
	}
}

// runEditor hands the terminal to the editor command (tea.Exec) and
// returns fn's message when it exits.
func runEditor(c *exec.Cmd, fn tea.ExecCallback) tea.Cmd { return tea.Exec(settledCmd{c}, fn) }

// execSettle is the least time an editor command takes, as the program
// sees it. Bubble Tea v2.1.1 stops its renderer without waiting for the
// render goroutine, which may then stop the ticker that restarting the
// renderer has just reset: after a command that returns at once (a script,
// `code` without -w, an editor that fails to start) the screen can stay
// blank for good (charmbracelet/bubbletea#1778, fixed by #1781, not yet
// released). A command that returns sooner waits here; an editor someone
// types in takes far longer anyway.
const execSettle = 150 * time.Millisecond

// settledCmd is an editor command that returns no sooner than execSettle
// after it started.
type settledCmd struct{ *exec.Cmd }

func (c settledCmd) Run() error {
	start := time.Now()
	err := c.Cmd.Run()
	time.Sleep(execSettle - time.Since(start))
	return err
}

func (c settledCmd) SetStdin(r io.Reader) {
	if c.Stdin == nil {
		c.Stdin = r
	}
}

func (c settledCmd) SetStdout(w io.Writer) {
	if c.Stdout == nil {
		c.Stdout = w
	}
}

func (c settledCmd) SetStderr(w io.Writer) {
	if c.Stderr == nil {
		c.Stderr = w
	}
}
