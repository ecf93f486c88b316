package tumbler

import "github.com/bitverse/bitverse/node/wire"

// CoordinatorState is everything a coordinator holds about a round, for
// the unlinkability test.
type CoordinatorState struct {
	Status  *Status
	Blinded map[wire.PubKey][]byte // each input's blinded token
	Outputs []wire.PubKey          // the output set, in the order the state iterates it
	Spent   []wire.Hash            // redeemed tokens' hashes
	Nonced  []wire.PubKey          // inputs whose MuSig2 nonce is in
	Journal []string
}

func (s *Service) StateOf(id wire.Hash) *CoordinatorState {
	var st *CoordinatorState
	s.do(func() { st = s.stateOf(id) })
	return st
}

func (s *Service) stateOf(id wire.Hash) *CoordinatorState {
	c := s.rounds[id]
	if c == nil {
		return nil
	}
	st := &CoordinatorState{Status: c.r.Status(), Blinded: map[wire.PubKey][]byte{}, Journal: append([]string(nil), s.journal...)}
	for k, g := range c.r.inputs {
		st.Blinded[k] = g.Blinded
	}
	for to := range c.r.outputs {
		st.Outputs = append(st.Outputs, to)
	}
	for h := range c.r.spent {
		st.Spent = append(st.Spent, h)
	}
	for k := range c.r.nonces {
		st.Nonced = append(st.Nonced, k)
	}
	return st
}
