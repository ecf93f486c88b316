package p2p_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// tamperings is the acceptance figure: every one must be detected.
const tamperCount = 1000

// tamperKit is what a tampering may use besides the honest answer.
type tamperKit struct {
	rng     *rand.Rand
	honest  *node.Node
	present []string // keys that hold a value
	recent  [][]byte // encoded headers of trusted blocks other than the tip
	old     []byte   // encoded header of a block outside the trust window
	records []*state.Record
}

// A tampering turns an honest answer for key into a lie.
type tampering struct {
	name string
	do   func(k *tamperKit, key string, a node.KeyProof) node.KeyProof
}

func flipBit(rng *rand.Rand, b []byte) []byte {
	out := bytes.Clone(b)
	if len(out) > 0 {
		i := rng.IntN(len(out) * 8)
		out[i/8] ^= 1 << (i % 8)
	}
	return out
}

func flipHash(rng *rand.Rand, h wire.Hash) wire.Hash {
	copy(h[:], flipBit(rng, h[:]))
	return h
}

// editProof decodes the proof of a, lets edit change it and re-encodes it.
func editProof(a node.KeyProof, edit func(p *state.Proof)) node.KeyProof {
	p, err := state.DecodeProof(a.Proof)
	if err != nil {
		panic(err)
	}
	edit(p)
	a.Proof = p.Encode()
	return a
}

// forgeValue replaces the value the proof carries (or adds a record).
func forgeValue(a node.KeyProof, v []byte) node.KeyProof {
	return editProof(a, func(p *state.Proof) {
		if p.Record == nil {
			p.Record = &state.Record{Height: 1}
		}
		p.Record.Value = v
	})
}

var tamperings = []tampering{
	{"value bit", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		return editProof(a, func(p *state.Proof) {
			if p.Record == nil { // absent: claim a value
				p.Record = &state.Record{Value: []byte(fmt.Sprintf("forged %d", k.rng.Int())), Height: 5}
				return
			}
			p.Record.Value = flipBit(k.rng, p.Record.Value)
		})
	}},
	{"record field", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		return editProof(a, func(p *state.Proof) {
			if p.Record == nil { // absent: claim another key's genuine record
				r := *k.records[k.rng.IntN(len(k.records))]
				p.Record = &r
				return
			}
			r := *p.Record
			switch k.rng.IntN(3) {
			case 0:
				copy(r.Writer[:], flipBit(k.rng, r.Writer[:]))
			case 1:
				r.Height ^= 1 << k.rng.IntN(64)
			case 2:
				r.TxID = flipHash(k.rng, r.TxID)
			}
			p.Record = &r
		})
	}},
	{"record dropped or added", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		return editProof(a, func(p *state.Proof) {
			if p.Record != nil {
				p.Record = nil
			} else {
				r := *k.records[k.rng.IntN(len(k.records))]
				p.Record = &r
			}
		})
	}},
	{"proof sibling", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		return editProof(a, func(p *state.Proof) {
			if len(p.Path.Siblings) == 0 {
				p.Path.Siblings = []wire.Hash{wire.TaggedSum("forged", []byte(key))}
				return
			}
			i := k.rng.IntN(len(p.Path.Siblings))
			p.Path.Siblings = append([]wire.Hash(nil), p.Path.Siblings...)
			p.Path.Siblings[i] = flipHash(k.rng, p.Path.Siblings[i])
		})
	}},
	{"proof bitmap", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		return editProof(a, func(p *state.Proof) {
			i := k.rng.IntN(max(p.Path.Depth, 1))
			p.Path.Bitmap[i/8] ^= 0x80 >> (i % 8)
		})
	}},
	{"proof depth or kind", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		return editProof(a, func(p *state.Proof) {
			switch k.rng.IntN(3) {
			case 0:
				p.Path.Depth++
			case 1:
				p.Path.Depth = max(p.Path.Depth-1, 0) + 2*boolInt(p.Path.Depth == 0)
			case 2:
				p.Path.Kind = (p.Path.Kind + 1 + smt.ProofKind(k.rng.IntN(2))) % 3
			}
		})
	}},
	{"proof leaf", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		return editProof(a, func(p *state.Proof) {
			if p.Path.Kind == smt.ProofOtherLeaf && k.rng.IntN(2) == 0 {
				if k.rng.IntN(2) == 0 {
					p.Path.OtherKey = flipHash(k.rng, p.Path.OtherKey)
				} else {
					p.Path.OtherValue = flipHash(k.rng, p.Path.OtherValue)
				}
				return
			}
			// Claim the slot holds some other leaf (or, for an absence
			// proof by another leaf, the key's own empty slot).
			if p.Path.Kind == smt.ProofOtherLeaf {
				p.Path.Kind, p.Path.OtherKey, p.Path.OtherValue = smt.ProofEmpty, wire.Hash{}, wire.Hash{}
				return
			}
			p.Record = nil
			p.Path.Kind = smt.ProofOtherLeaf
			p.Path.OtherKey = flipHash(k.rng, wire.KeyPath(key))
			p.Path.OtherValue = wire.TaggedSum("forged", []byte(key))
		})
	}},
	{"sub-root", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		return editProof(a, func(p *state.Proof) {
			if k.rng.IntN(2) == 0 {
				p.AccountsRoot = flipHash(k.rng, p.AccountsRoot)
			} else {
				p.KVRoot = flipHash(k.rng, p.KVRoot)
			}
		})
	}},
	{"header bit", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		a.Header = flipBit(k.rng, a.Header)
		return a
	}},
	{"header of another trusted block", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		a.Header = k.recent[k.rng.IntN(len(k.recent))]
		return a
	}},
	{"header outside the trust window", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		a.Header = k.old
		return a
	}},
	{"proof of another key", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		other := k.present[k.rng.IntN(len(k.present))]
		if other == key || k.rng.IntN(4) == 0 {
			other = key + "/x"
		}
		o, err := k.honest.ProveKey(context.Background(), wire.RootChain, other, nil)
		if err != nil {
			panic(err)
		}
		return o
	}},
	{"truncated", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		if k.rng.IntN(2) == 0 {
			a.Header = a.Header[:k.rng.IntN(len(a.Header))]
		} else {
			a.Proof = a.Proof[:k.rng.IntN(len(a.Proof))]
		}
		return a
	}},
	{"proof byte flipped", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		a.Proof = flipBit(k.rng, a.Proof)
		return a
	}},
	{"trailing bytes", func(k *tamperKit, key string, a node.KeyProof) node.KeyProof {
		extra := make([]byte, 1+k.rng.IntN(8))
		for i := range extra {
			extra[i] = byte(k.rng.IntN(256))
		}
		if k.rng.IntN(2) == 0 {
			a.Header = append(bytes.Clone(a.Header), extra...)
		} else {
			a.Proof = append(bytes.Clone(a.Proof), extra...)
		}
		return a
	}},
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// detection names how the verifier caught a lie.
func detection(err error) string {
	switch {
	case errors.Is(err, p2p.ErrProtocol):
		return "malformed"
	case errors.Is(err, p2p.ErrForgedProof):
		return "forged"
	case errors.Is(err, p2p.ErrUntrustedHeader):
		return "untrusted header"
	}
	return "other: " + err.Error()
}

// A peer returning a forged value or proof is detected in 100% of 1,000
// randomized tamperings (value, proof path, header): each request goes
// over a real stream to a lying node first, then to an honest one; the
// verifier must blame the liar every time and return the honest value.
func TestTamperedProofsDetected(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a")
	a.BuildChain(80, 4) // ~270 keys (proofs ~8 levels deep), and blocks beyond the trust window
	liar := h.NewNode("liar", harness.CopyChainOf(a))
	b := h.NewNode("b", harness.CopyChainOf(a))
	h.Connect(b, liar)
	h.Connect(b, a)
	ctx := context.Background()

	present, err := a.Keys(ctx, "public/", "", 0)
	if err != nil || len(present) < 200 {
		t.Fatalf("%d keys: %v", len(present), err)
	}
	truth := map[string]*state.Record{}
	kit := &tamperKit{rng: rand.New(rand.NewPCG(1, 2)), honest: liar.Node, present: present}
	for _, key := range present {
		ans, err := a.ProveKey(ctx, wire.RootChain, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := state.DecodeProof(ans.Proof)
		truth[key] = p.Record
		kit.records = append(kit.records, p.Record)
	}
	tip := a.Chain().Tip().Height
	for ht := tip - 10; ht < tip; ht++ {
		blk, _ := a.Chain().BlockByHeight(ht)
		kit.recent = append(kit.recent, blk.Header.Encode())
	}
	blk, _ := a.Chain().BlockByHeight(tip - node.TrustWindow - 1)
	kit.old = blk.Header.Encode()

	h.Hostile(liar)
	src := &lyingSource{honest: liar.Node}
	liar.Host.SetProofSource(src)
	var mu sync.Mutex
	var blamed []error
	b.Host.SetReadBlame(func(p peer.ID, err error) {
		mu.Lock()
		defer mu.Unlock()
		if p != liar.ID() {
			t.Errorf("honest peer blamed: %v", err)
		}
		blamed = append(blamed, err)
	})

	counts := map[string]map[string]int{}
	for i := 0; i < tamperCount; i++ {
		key := present[kit.rng.IntN(len(present))]
		if kit.rng.IntN(10) < 3 {
			key = fmt.Sprintf("public/absent/%d", kit.rng.IntN(1000))
		}
		tm := tamperings[kit.rng.IntN(len(tamperings))]
		honest, err := liar.ProveKey(ctx, wire.RootChain, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		forged := tm.do(kit, key, honest)
		if bytes.Equal(forged.Header, honest.Header) && bytes.Equal(forged.Proof, honest.Proof) {
			t.Fatalf("tampering %d (%s) changed nothing", i, tm.name)
		}
		src.set(func(string, node.KeyProof) node.KeyProof { return forged })
		mu.Lock()
		blamed = nil
		mu.Unlock()

		res, err := b.Host.GetVerifiedFrom(ctx, wire.RootChain, key, []peer.ID{liar.ID(), a.ID()})
		if err != nil {
			t.Fatalf("tampering %d (%s): the honest peer's answer was lost: %v", i, tm.name, err)
		}
		if res.Peer != a.ID() {
			t.Fatalf("tampering %d (%s) of %q was ACCEPTED from the liar", i, tm.name, key)
		}
		want := truth[key]
		if (want == nil) != (res.Record == nil) || (want != nil && !bytes.Equal(want.Encode(), res.Record.Encode())) {
			t.Fatalf("tampering %d (%s): read %+v, want %+v", i, tm.name, res.Record, want)
		}
		mu.Lock()
		if len(blamed) != 1 {
			t.Fatalf("tampering %d (%s): the liar was blamed %d times", i, tm.name, len(blamed))
		}
		how := detection(blamed[0])
		mu.Unlock()
		if counts[tm.name] == nil {
			counts[tm.name] = map[string]int{}
		}
		counts[tm.name][how]++
	}

	var names []string
	total := 0
	for name, byHow := range counts {
		names = append(names, name)
		for _, n := range byHow {
			total += n
		}
	}
	sort.Strings(names)
	var report strings.Builder
	for _, name := range names {
		n := 0
		var hows []string
		for how, c := range counts[name] {
			n += c
			hows = append(hows, fmt.Sprintf("%s %d", how, c))
		}
		sort.Strings(hows)
		fmt.Fprintf(&report, "\n  %-34s %4d  (%s)", name, n, strings.Join(hows, ", "))
	}
	t.Logf("%d of %d tamperings detected:%s", total, tamperCount, report.String())
	if total != tamperCount || len(names) != len(tamperings) {
		t.Fatalf("detected %d of %d; %d of %d categories exercised", total, tamperCount, len(names), len(tamperings))
	}
}
