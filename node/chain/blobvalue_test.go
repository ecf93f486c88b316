package chain

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

func manifestBytes(size uint64, chunk uint32, root wire.Hash) []byte {
	b := []byte(wire.BlobMagic)
	b = binary.BigEndian.AppendUint64(b, size)
	b = binary.BigEndian.AppendUint32(b, chunk)
	return append(b, root[:]...)
}

// A put value that starts with the blob-manifest magic must be a valid
// manifest, on the root and on a branch: consensus, not only the CLI.
func TestBlobManifestValueRule(t *testing.T) {
	valid := manifestBytes(1000, 4096, wire.Hash{7})
	bad := map[string][]byte{
		"truncated":            valid[:len(valid)-1],
		"trailing byte":        append(append([]byte(nil), valid...), 0),
		"chunk size not 2^k":   manifestBytes(1000, 5000, wire.Hash{7}),
		"zero root, some data": manifestBytes(1000, 4096, wire.Hash{}),
		"magic alone":          []byte(wire.BlobMagic),
	}
	notClaims := [][]byte{
		[]byte("plain text"),
		bytes.Repeat([]byte{0}, 60),
		[]byte(wire.BlobMagic[:len(wire.BlobMagic)-1] + "\x02 another version"),
	}

	fx := newFixture(t, nil)
	for _, v := range append([][]byte{valid}, notClaims...) {
		fx.mine(fx.alice.PubKey(), fx.put(fx.alice, "public/ok", string(v), -1))
	}
	for name, v := range bad {
		t.Run("root/"+name, func(t *testing.T) {
			good := fx.template(fx.put(fx.alice, "public/x", "placeholder", -1))
			b := mutate(good, func(b *wire.Block) {
				b.Txs[1] = fx.resign(b.Txs[1], fx.alice, func(tx *wire.Tx) {
					tx.Body = wire.Put{Key: "public/x", Value: v}
					fx.p.SetMinFee(tx)
				})
			})
			if _, err := fx.c.ProcessBlock(b); consensus.CodeOf(err) != consensus.ErrBadBlobManifest {
				t.Fatalf("put of %q: err %v, want ErrBadBlobManifest", v, err)
			}
		})
	}

	tr := newTree(t, 1)
	tr.fund()
	zero := wire.ChainID{Depth: 1}
	tr.mine("/", tr.rootTx(tr.alice, wire.Stamp{Chain: zero, Amount: wire.Unit / 100}))
	tr.mine("0")
	k := keyOn("0", 21)
	tr.mine("0", tr.branchPut(tr.alice, 1, k, string(valid)))
	for name, v := range bad {
		t.Run("branch/"+name, func(t *testing.T) {
			put := tr.branchPut(tr.alice, 1, k, string(v))
			tmpl, err := tr.chain("0").NewTemplate(tr.miner.PubKey(), []*wire.Tx{put}, tr.clk.t.Add(2e9))
			if err != nil {
				t.Fatal(err)
			}
			if len(tmpl.Rejected) != 1 {
				t.Fatalf("branch put of %q was not refused", v)
			}
		})
	}
}
