package tumbler

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.etcd.io/bbolt"
)

// DBFile is the tumbler's own store in the node's data directory: this
// node's registrations, so they survive a restart. A file of its own, as
// the market's and the p2p layer's: the chain database's buckets belong
// to the chain and state packages, and the wallet is a sealed keystore
// that only the faces open.
const DBFile = "tumbler.db"

// bucketRegs: sequence u64 (big endian, join order) → savedReg (JSON).
var bucketRegs = []byte("registrations")

// keepEnded is how many finished registrations the store keeps (history).
const keepEnded = maxRegs / 2

// savedReg is one registration as stored. The paying key is kept only
// while the registration runs (it signs the partial signature after a
// restart) and wiped when it ends. No MuSig2 nonce is ever stored: a
// signer that restarts after giving its nonce never signs that round.
type savedReg struct {
	Info     Registration  `json:"info"`
	Coord    string        `json:"coord"`
	Terms    []byte        `json:"terms"` // Terms.Encode of the current round
	Secret   []byte        `json:"secret,omitempty"`
	Nonce    uint64        `json:"nonce"` // the input's account nonce
	Token    []byte        `json:"token,omitempty"`
	BlameTo  []wire.PubKey `json:"blame_to,omitempty"`
	Output   bool          `json:"output,omitempty"`     // output registered
	NonceOut bool          `json:"gave_nonce,omitempty"` // MuSig2 nonce given (or about to be)
	Partial  bool          `json:"partial,omitempty"`    // partial signature given
	Signed   bool          `json:"signed,omitempty"`     // the user approved signing
	Problem  string        `json:"problem,omitempty"`
}

func openStore(dir string) (*bbolt.DB, error) {
	db, err := store.OpenBuckets(filepath.Join(dir, DBFile), bucketRegs)
	if err != nil {
		return nil, fmt.Errorf("tumbler store: %w", err)
	}
	return db, nil
}

// record is g as stored; it runs on the owner goroutine.
func (g *reg) record() savedReg {
	p := g.p
	r := savedReg{Info: g.info, Coord: g.coord.String(), Terms: p.Terms.Encode(), Nonce: p.Nonce, Token: p.token,
		BlameTo: g.blameTo, Output: g.outputSent, NonceOut: g.nonceSent, Partial: g.partialSent, Signed: g.signed, Problem: g.problem}
	if !g.info.Phase.Ended() {
		r.Secret = p.priv.Bytes()
	}
	return r
}

// saveRecord writes a registration's record (a new sequence number when
// seq is 0) and returns its sequence number.
func saveRecord(db *bbolt.DB, seq uint64, r savedReg) (uint64, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return 0, err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketRegs)
		if seq == 0 {
			if seq, err = bk.NextSequence(); err != nil {
				return err
			}
		}
		return bk.Put(binary.BigEndian.AppendUint64(nil, seq), b)
	})
	return seq, err
}

// loadRecords reads every stored registration in join order and drops the
// oldest finished ones beyond keepEnded (and unreadable ones).
func loadRecords(db *bbolt.DB) (seqs []uint64, recs []savedReg, err error) {
	err = db.Update(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketRegs)
		var drop [][]byte
		ended := 0
		c := bk.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r savedReg
			if len(k) != 8 || json.Unmarshal(v, &r) != nil {
				drop = append(drop, k)
				continue
			}
			if r.Info.Phase.Ended() {
				if ended++; ended > keepEnded {
					drop = append(drop, k)
					continue
				}
			}
			seqs = append([]uint64{binary.BigEndian.Uint64(k)}, seqs...)
			recs = append([]savedReg{r}, recs...)
		}
		for _, k := range drop {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return seqs, recs, err
}

// restore rebuilds a registration from its record. A running one gets its
// participant back (same token, same output); one that gave its nonce
// before the restart keeps nonceSent and has no signer, so it never
// signs that round again.
func restore(net wire.Network, r savedReg) (*reg, error) {
	coord, err := peer.Decode(r.Coord)
	if err != nil {
		return nil, fmt.Errorf("the coordinator's ID: %v", err)
	}
	g := &reg{info: r.Info, coord: coord, cosign: make(chan struct{}), blameTo: r.BlameTo, outputSent: r.Output,
		nonceSent: r.NonceOut, partialSent: r.Partial, signed: r.Signed, problem: r.Problem}
	t, err := DecodeTerms(r.Terms)
	if err != nil {
		return nil, err
	}
	if r.Info.Phase.Ended() {
		g.p = &Participant{Terms: *t, ID: t.ID(), Key: r.Info.Input, Amount: r.Info.Amount, Nonce: r.Nonce, To: r.Info.To,
			Change: r.Info.Change, Left: r.Info.Leftover}
		return g, nil
	}
	priv, err := wire.PrivKeyFromBytes(r.Secret)
	if err != nil {
		return nil, fmt.Errorf("the paying key: %v", err)
	}
	if priv.PubKey() != r.Info.Input {
		return nil, errors.New("the paying key is not the input's")
	}
	p, err := NewParticipant(net, *t, priv, r.Info.Amount, r.Nonce, r.Info.To, r.Info.Change)
	if err != nil {
		return nil, err
	}
	if r.Token != nil {
		if err := p.resumeToken(r.Token); err != nil {
			return nil, err
		}
	}
	g.p = p
	if g.signed {
		close(g.cosign)
	}
	return g, nil
}
