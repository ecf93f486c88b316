package tumbler

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Status is what a coordinator tells anyone about one of its rounds; a
// participant polls it to move on. It carries the terms (so the ID is
// checked against them), the batch from Signing on, every nonce once all
// are in, the signed transaction from Broadcast on and, when signing
// failed, the proofs of who signed and the blame round's ID.
type Status struct {
	Terms    Terms             `json:"terms"`
	Phase    Phase             `json:"phase"`
	Deadline uint64            `json:"deadline"`
	Inputs   int               `json:"inputs"`
	Outputs  int               `json:"outputs"`
	Batch    *Batch            `json:"batch,omitempty"`
	Nonces   [][NonceSize]byte `json:"nonces,omitempty"`
	Tx       []byte            `json:"tx,omitempty"`
	Error    string            `json:"error,omitempty"`
	Proofs   []Proof           `json:"proofs,omitempty"`
	Next     wire.Hash         `json:"next,omitzero"` // the blame round
}

// DecodeStatus decodes a status of round id (zero: any) and checks its
// shape: the terms hash to id, counts within bounds.
func DecodeStatus(b []byte, id wire.Hash) (*Status, error) {
	if len(b) > MaxStatusSize {
		return nil, errors.New("status too long")
	}
	var s Status
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("status: %v", err)
	}
	if !id.IsZero() && s.Terms.ID() != id {
		return nil, errors.New("status of other terms than the round's")
	}
	switch {
	case s.Phase > Blame:
		return nil, errors.New("status: unknown phase")
	case len(s.Terms.Allowed) > MaxParticipants || len(s.Proofs) > MaxParticipants || len(s.Nonces) > MaxParticipants:
		return nil, errors.New("status: too many entries")
	case s.Batch != nil && (len(s.Batch.Body.Inputs) > wire.MaxTumbleInputs || len(s.Batch.Body.Outputs) > wire.MaxTumbleOutputs || len(s.Batch.Regs) != len(s.Batch.Body.Inputs)):
		return nil, errors.New("status: malformed batch")
	case s.Nonces != nil && (s.Batch == nil || len(s.Nonces) != len(s.Batch.Body.Inputs)):
		return nil, errors.New("status: nonces without a batch")
	}
	return &s, nil
}

// Status is the round's status.
func (r *Round) Status() *Status {
	in, out := r.Counts()
	s := &Status{Terms: r.Terms, Phase: r.phase, Deadline: r.deadline, Inputs: in, Outputs: out, Batch: r.batch, Error: r.err, Proofs: r.proofs, Next: r.Next}
	if n, ok := r.Nonces(); ok {
		s.Nonces = n
	}
	if tx := r.Tx(); tx != nil {
		s.Tx = tx.Encode()
	}
	return s
}
