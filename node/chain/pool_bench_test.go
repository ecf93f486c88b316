package chain

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// BenchmarkPoolEpochThousandMembers is the chain space and connect time of
// one epoch of 1,000 pool members (32 pools of a 20 MiB blob, at most 32
// members each): every member answers its challenge in one block. It
// reports the answers' bytes in all and per member, and times connecting
// the block of answers and the block that settles the epoch and draws the
// next (the draw for 1,000 members).
func BenchmarkPoolEpochThousandMembers(b *testing.B) {
	const members, pools = 1000, 32
	data := poolData(20 << 20)
	tree := wire.NewSegmentTree(data)
	var answerBytes, blockBytes int
	var connectAnswers, connectSettle time.Duration
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		fx := newFixture(b, func(p *consensus.Params) {
			p.PoolMinStake = wire.Unit / 1000
		})
		keys := make([]wire.PrivKey, members)
		var txs []*wire.Tx
		nonce := int64(fx.account(fx.alice.PubKey()).Nonce)
		for i := range keys {
			seed := sha256.Sum256([]byte(fmt.Sprint("pool member ", i)))
			k, err := wire.PrivKeyFromBytes(seed[:])
			if err != nil {
				b.Fatal(err)
			}
			keys[i] = k
			txs = append(txs, fx.transfer(fx.alice, k.PubKey(), wire.Unit/100, nonce))
			nonce++
		}
		ids := make([]wire.Hash, pools)
		for j := range ids {
			t := fx.tx(fx.alice, wire.PoolFund{Kind: wire.PoolBlob, Key: fmt.Sprint("public/film", j), Hash: wire.Sum(data),
				Size: uint64(len(data)), SegmentRoot: tree.Root(), Replicas: 16, Tier: 1, Amount: wire.Unit}, nonce)
			nonce++
			ids[j] = t.ID()
			txs = append(txs, t)
		}
		fx.mine(mktMiner(fx), txs...)
		txs = txs[:0]
		for i, k := range keys {
			txs = append(txs, fx.tx(k, wire.PoolJoin{Pool: ids[i%pools], Stake: fx.p.PoolMinStake}, 0))
		}
		fx.mine(mktMiner(fx), txs...)
		pn := &poolNet{fx: fx, data: data, tree: tree}
		pn.toEpochStart()
		txs = txs[:0]
		answerBytes = 0
		for i, k := range keys {
			pn.id = ids[i%pools]
			t := pn.answerTx(k)
			answerBytes += t.Size()
			txs = append(txs, t)
		}
		rand.New(rand.NewSource(int64(it))).Shuffle(len(txs), func(i, j int) { txs[i], txs[j] = txs[j], txs[i] })
		blk := fx.template(txs...)
		if len(blk.Txs) != members+1 {
			b.Fatalf("the block holds %d answers", len(blk.Txs)-1)
		}
		blockBytes = len(blk.Encode())
		b.StartTimer()
		start := time.Now()
		if _, err := fx.c.ProcessBlock(blk); err != nil {
			b.Fatal(err)
		}
		connectAnswers += time.Since(start)
		b.StopTimer()
		for (fx.height())%fx.p.PoolEpochBlocks != 0 {
			fx.mine(mktMiner(fx))
		}
		settle := fx.template()
		b.StartTimer()
		start = time.Now()
		if _, err := fx.c.ProcessBlock(settle); err != nil {
			b.Fatal(err)
		}
		connectSettle += time.Since(start)
		b.StopTimer()
		pn.id = ids[0]
		if m := pn.member(keys[0]); m == nil || m.Answered != 1 || m.Earned == 0 {
			b.Fatalf("member after the settle: %+v", m)
		}
	}
	b.ReportMetric(float64(answerBytes), "answer_bytes/epoch")
	b.ReportMetric(float64(answerBytes)/members, "bytes/member")
	b.ReportMetric(float64(blockBytes), "block_bytes")
	b.ReportMetric(float64(connectAnswers.Milliseconds())/float64(b.N), "answers_block_ms")
	b.ReportMetric(float64(connectSettle.Milliseconds())/float64(b.N), "settle_draw_block_ms")
}
