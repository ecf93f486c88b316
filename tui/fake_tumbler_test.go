package tui

import (
	"context"
	"slices"
	"sync"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// fakeTumbler is a tumbler.API over fixed lists that a test changes (and
// then sends an Event, as the service would). Join registers in the round
// asked for; CoSign marks the review signed. Calls are recorded in the
// node fake's probe, so a call from Update or View fails the test.
type fakeTumbler struct {
	*probe
	mu      sync.Mutex
	rounds  []tumbler.RoundInfo
	regs    []tumbler.Registration
	hist    []tumbler.Registration
	reviews map[wire.Hash]*tumbler.Review
	joins   []tumbler.JoinRequest
	signed  []wire.Hash
	events  chan tumbler.Event
	wait    func(ctx context.Context, call string) error
}

func newFakeTumbler(p *probe, wait func(context.Context, string) error) *fakeTumbler {
	return &fakeTumbler{probe: p, wait: wait, reviews: map[wire.Hash]*tumbler.Review{}, events: make(chan tumbler.Event, 16)}
}

// Round IDs of the fake's rounds.
var (
	openRound      = wire.Sum([]byte("tumble round open"))
	signingRound   = wire.Sum([]byte("tumble round signing"))
	doneRound      = wire.Sum([]byte("tumble round done"))
	announcedRound = wire.Sum([]byte("tumble round announced"))
	blameRound     = wire.Sum([]byte("tumble round blame"))
)

// tumbleChain fills the fake: an open round, a round signing that this
// wallet is in (its batch built, every check passed), a blame round, and a
// finished tumble in the history.
func tumbleChain(api *fakeAPI) {
	richChain(api)
	f := api.tumbler
	f.mu.Lock()
	defer f.mu.Unlock()
	fee, txFee := uint64(wire.Unit/1000), uint64(wire.Unit/2000)
	f.rounds = []tumbler.RoundInfo{
		{ID: openRound, Denomination: wire.Unit, CoordinatorFee: fee, TxFee: txFee, Min: 5, Max: 20, Phase: tumbler.InputRegistration, Inputs: 3, Deadline: 10_012},
		{ID: signingRound, Denomination: 2 * wire.Unit, CoordinatorFee: fee, TxFee: txFee, Min: 5, Max: 20, Phase: tumbler.Signing, Inputs: 5, Outputs: 5, Deadline: 10_003, Mine: true},
		{ID: blameRound, Denomination: 5 * wire.Unit, CoordinatorFee: fee, TxFee: txFee, Min: 3, Max: 10, Phase: tumbler.OutputRegistration, Inputs: 4, Outputs: 2, Deadline: 10_006, BlameOf: wire.Sum([]byte("failed"))},
		{ID: announcedRound, Denomination: 10 * wire.Unit, CoordinatorFee: fee, TxFee: txFee, Min: 5, Max: 20, Phase: tumbler.Announced, Deadline: 10_000},
		{ID: doneRound, Denomination: wire.Unit, CoordinatorFee: fee, TxFee: txFee, Min: 5, Max: 20, Phase: tumbler.Done, Inputs: 6, Outputs: 6, Deadline: 9_990, TxID: wire.Sum([]byte("tumble tx"))},
	}
	fresh := otherKey.PubKey()
	f.regs = []tumbler.Registration{{Round: signingRound, Input: testPub, Amount: 2*wire.Unit + fee + txFee, To: fresh, Change: testPub,
		Phase: tumbler.Signing, State: "review"}}
	f.hist = []tumbler.Registration{{Round: doneRound, Input: testPub, Amount: wire.Unit + fee + txFee, To: fresh, Change: testPub,
		Phase: tumbler.Done, State: "done", TxID: wire.Sum([]byte("tumble tx"))}}
	rv := &tumbler.Review{Round: f.rounds[1], Fee: fee + txFee, TxFee: 5 * txFee, OK: true}
	var keys []wire.PubKey
	for i := range 4 {
		keys = append(keys, key32(byte(0x40+i)))
	}
	keys = append(keys, testPub)
	slices.SortFunc(keys, func(a, b wire.PubKey) int { return slices.Compare(a[:], b[:]) })
	for _, k := range keys {
		rv.Inputs = append(rv.Inputs, tumbler.ReviewInput{Key: k, Amount: 2*wire.Unit + fee + txFee, Mine: k == testPub})
	}
	var outs []tumbler.ReviewOutput
	for i := range 4 {
		outs = append(outs, tumbler.ReviewOutput{To: key32(byte(0x60 + i)), Amount: 2 * wire.Unit, Kind: "denomination"})
	}
	outs = append(outs, tumbler.ReviewOutput{To: fresh, Amount: 2 * wire.Unit, Kind: "denomination", Mine: true},
		tumbler.ReviewOutput{To: key32(0x70), Amount: 5 * fee, Kind: "fee"})
	slices.SortFunc(outs, func(a, b tumbler.ReviewOutput) int { return slices.Compare(a.To[:], b.To[:]) })
	rv.Outputs = outs
	f.reviews[signingRound] = rv
}

// key32 is a made-up key whose address renders (the fake never verifies).
func key32(b byte) wire.PubKey { return wire.PubKey(wire.Sum([]byte{b})) }

func (f *fakeTumbler) Rounds(ctx context.Context) ([]tumbler.RoundInfo, error) {
	if err := f.wait(ctx, "tumbler.Rounds"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.rounds), nil
}

func (f *fakeTumbler) Coordinate(ctx context.Context, c tumbler.CoordinateConfig) (tumbler.RoundInfo, error) {
	if err := f.wait(ctx, "tumbler.Coordinate"); err != nil {
		return tumbler.RoundInfo{}, err
	}
	return tumbler.RoundInfo{}, nil
}

func (f *fakeTumbler) Join(ctx context.Context, j tumbler.JoinRequest) (tumbler.Registration, error) {
	if err := f.wait(ctx, "tumbler.Join"); err != nil {
		return tumbler.Registration{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.joins = append(f.joins, j)
	for _, r := range f.rounds {
		if r.ID == j.Round {
			reg := tumbler.Registration{Round: r.ID, Input: testPub, Amount: j.Amount, To: j.To, Change: testPub, Phase: r.Phase, State: "registered"}
			f.regs = append(f.regs, reg)
			return reg, nil
		}
	}
	return tumbler.Registration{}, tumbler.ErrNoRound
}

func (f *fakeTumbler) Registrations(ctx context.Context) ([]tumbler.Registration, error) {
	if err := f.wait(ctx, "tumbler.Registrations"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.regs), nil
}

func (f *fakeTumbler) Review(ctx context.Context, round wire.Hash) (*tumbler.Review, error) {
	if err := f.wait(ctx, "tumbler.Review"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reviews[round]
	if !ok {
		return nil, tumbler.ErrNoBatch
	}
	c := *r
	return &c, nil
}

func (f *fakeTumbler) CoSign(ctx context.Context, round wire.Hash) error {
	if err := f.wait(ctx, "tumbler.CoSign"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reviews[round]
	if !ok {
		return tumbler.ErrNoBatch
	}
	if r.Signed {
		return tumbler.ErrAlreadySigned
	}
	r.Signed = true
	f.signed = append(f.signed, round)
	return nil
}

func (f *fakeTumbler) History(ctx context.Context) ([]tumbler.Registration, error) {
	if err := f.wait(ctx, "tumbler.History"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.hist), nil
}

func (f *fakeTumbler) Events() <-chan tumbler.Event {
	f.record("tumbler.Events")
	return f.events
}

// finish moves round to phase in every list (the test then sends the
// event: the screen's wait on the channel is out in the background).
func (f *fakeTumbler) finish(round wire.Hash, phase tumbler.Phase, state string) {
	f.mu.Lock()
	for i := range f.rounds {
		if f.rounds[i].ID == round {
			f.rounds[i].Phase = phase
		}
	}
	keep := f.regs[:0]
	for _, r := range f.regs {
		if r.Round == round {
			r.Phase, r.State = phase, state
			if phase.Ended() {
				f.hist = append([]tumbler.Registration{r}, f.hist...)
				continue
			}
		}
		keep = append(keep, r)
	}
	f.regs = keep
	if rv, ok := f.reviews[round]; ok {
		rv.Round.Phase = phase
	}
	f.mu.Unlock()
}
