package state

import (
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
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

// Scripts on a pool's lane compile in the pool's workers: a refusal is a
// rule error (ErrBadScript), and a pool that cannot answer (here: closed)
// makes the script unavailable, never refused.
func TestScriptsCompileInThePool(t *testing.T) {
	pool, err := script.NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	s := NewScripts(pool.ForAdmission())
	if _, err := s.compile([]byte(`function validate() { return true } // pool`)); err != nil {
		t.Fatalf("compile in the pool: %v", err)
	}
	_, err = s.compile([]byte(`function validate() { return /x/ } // pool`))
	if got := compileRefusal(err, consensus.ErrBadScript, "%v"); consensus.CodeOf(got) != consensus.ErrBadScript {
		t.Fatalf("refused script: %v, want ErrBadScript", got)
	}
	pool.Close()
	_, err = s.compile([]byte(`function validate() { return 'after close' }`))
	if !errors.Is(err, script.ErrClosed) {
		t.Fatalf("compile on a closed pool: %v, want ErrClosed (the pool compiles)", err)
	}
	if got := compileRefusal(err, consensus.ErrBadScript, "%v"); !errors.Is(got, ErrScriptUnavailable) || consensus.CodeOf(got) == consensus.ErrBadScript {
		t.Fatalf("closed pool: %v, want ErrScriptUnavailable", got)
	}
}
