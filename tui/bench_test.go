package tui

import "testing"

// BenchmarkBlockListView10k renders the block list of a 10,000-block chain
// with every block cached, at 120×40: View draws only the visible rows, so
// its cost does not grow with the chain (the target is ≤ 5 ms).
func BenchmarkBlockListView10k(b *testing.B) {
	api := newFakeAPI(9_999)
	s := newApp(testOptions(api), testDeps(api, nil)).s
	l := newBlockList(s)
	l.SetSize(120, 40)
	l.tip, l.haveTip = 9_999, true
	for h := uint64(0); h <= 9_999; h++ {
		l.blocks[h] = api.block(h, false)
	}
	l.cursor = 5_000
	l.clamp()
	b.ReportAllocs()
	for b.Loop() {
		_ = l.View()
	}
}
