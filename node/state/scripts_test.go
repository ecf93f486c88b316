package state

import (
	"testing"

	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
)

// The admission lane's Scripts run on their own runner but reuse the
// programs the block lane compiled (and the other way round).
func TestScriptsWithRunnerSharesPrograms(t *testing.T) {
	blocks, admission := script.NewInProcess(), script.NewInProcess()
	s := NewScripts(blocks)
	a := s.WithRunner(admission)
	if s.Runner != blocks || a.Runner != admission {
		t.Fatal("WithRunner changed the wrong runner")
	}
	src := []byte(`function validate() { return true }`)
	h := wire.Hash{1}
	p1, err := s.program(h, src)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := a.program(h, src)
	if err != nil {
		t.Fatal(err)
	}
	if p1 != p2 {
		t.Fatal("the admission lane compiled the script again")
	}
}
