// Package harness runs Bitverse networks inside one test: named nodes, each
// with a real bbolt directory under t.TempDir() and a real libp2p host on
// 127.0.0.1 (mDNS and the DHT off unless asked for, so nodes meet only whom
// the test connects them to).
//
// Every node is the product's assembly (node/daemon): access scripts run
// in worker processes (the test binary re-executed), the blob service runs
// on the host, and the local API is up, with a client in Node.API. A
// package using the harness therefore needs
//
//	func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
//
// and NewNode fails with that advice otherwise.
//
//	h := harness.New(t)
//	alice := h.NewNode("alice", harness.Mining(200*time.Millisecond))
//	bob := h.NewNode("bob")
//	h.ConnectAll()
//	alice.Mine(12)                      // rewards mature: alice can pay fees
//	id, _ := alice.Put("public/k", "v") // signed with alice's key
//	bob.WaitConfirmed(id, 10*time.Second)
//	h.Partition([]*harness.Node{alice}, []*harness.Node{bob})
//	h.Heal()
//	h.WaitForTip(30*time.Second)
//
// Nodes run on consensus.Regtest. Blocks the harness makes (Mine,
// Mining, BuildChain) are timed exactly one target interval after their
// parent, which keeps the ASERT difficulty at Regtest's limit (about two
// hashes a block), so a test decides how many blocks exist and when. The
// node's own CPU miner (node.StartMining) also works, uncontrolled.
//
// Junk is a hostile peer that speaks the gossip and stream protocols
// without checking what it sends; InvalidBlock, InvalidTx and OrphanBlock
// make things for it to send.
//
// # Errors
//
// Harness methods fail the test (t.Fatal) instead of returning errors,
// except those a test may want to inspect: Put and AddTx return the
// mempool's error, WaitConfirmed a timeout, Junk.Connect and Junk.SendSync
// connection errors.
package harness
