// Package metrics serves a node's figures to Prometheus (`bitverse node
// --metrics ADDR`, GET /metrics): per chain height and tip age, peers,
// mempool size per stored chain, hash rate and blocks found, block
// validation time, script verdicts, bans, gossip and sync counters.
//
// It adds no state to the node's hot paths. Most series are read at
// scrape time from what the node and the host already keep (node.Status,
// the forest's tips, the mempools, p2p.Host.Stats and Bans), by the
// collector's Collect. Two are measured where the work passes: the script
// runner is wrapped (Runner) to count verdicts, and the node the host
// hands blocks to is wrapped (Blocks) to time their validation; both feed
// Prometheus counters and a histogram, which are lock-free.
//
//	daemon ─► metrics.New ─► Runner(pool) → node.Open
//	                        Blocks(node) → p2p.New
//	                        Serve(addr, node, host) … Close
package metrics
