// Package pool is the off-chain half of availability pools (the chain
// half is node/state, PROTOCOL §23; this half is §24): a daemon component
// that keeps a node's promises as a pool member.
//
//	Join(pool, stake) ─► Data(fetch) ─► segment root == pool's? ─► pool-join
//	                     (pool members and DHT providers first)
//	blocks ─► run (owns the served pools) ─► Challenges(me) ─► Data(held)
//	          ─► Answer (segment + branch) ─► pool-answer, before the deadline
//	/bitverse/<net>/pool/2 ◄─ pool ‖ redemption ‖ first block ─ redeemer (Redeem)
//	          ─► confirmed token-redeem of a pool served? ─► read the data:
//	             block roots == segment root? ─► read again: branch ‖ block …
//	             │ data lost ─► signed refusal ─► Report (pool-report)
//	redeemer: each block verified against the segment root, then written;
//	          a bad block or a cut stream ─► the next member, from that block
//
// The Service's one goroutine (run) owns the pools served and the answers
// made; Join, Served and the redemption handler talk to it or read the
// chain. A node answers a challenge from the data it holds right now (a
// blob from the blob store, every chunk verified on read; a key's value
// from the chain; a prefix's listing rebuilt from its own copy of the
// chain as of the block the pool names, listing.go), so a node that lost
// its copy misses its challenge and the chain demotes it. The data of one pool is read whole to build its
// segment tree (1 KiB segments, wire.SegmentTree), so Config.MaxData bounds
// what a node joins for. Redemptions are streamed instead (stream.go):
// 256 KiB blocks, each an aligned subtree of the segment tree sent with its
// branch, so either side holds one block whatever the size; at most
// maxRedeeming are served at a time. The pools served are announced as
// DHT provider records (p2p.PoolKey), so readers ask members first.
//
// # Errors
//
// Sentinels, wrapped with detail: ErrWrongData (the data does not match
// the pool's size or segment root), ErrTooLarge (beyond MaxData),
// ErrUnsupported (a target kind not served), ErrNoData (this node lacks
// the data); from Redeem, ErrNoRedemption, ErrBusy and ErrRefused (with
// the signed Refusal to report) and ErrWrongData (a block that does not
// verify); from Fetch, ErrNotConfirmed, a *FetchError wrapping ErrNoMember
// or ErrAllRefused (with the refusals and the bytes written), and a
// *SinkError when the writer given fails.
package pool
