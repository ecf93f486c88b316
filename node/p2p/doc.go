// Package p2p puts a node on the network: a libp2p host (TCP and QUIC,
// identity key in <datadir>/p2p.key, resource and connection managers, a
// gater that refuses banned peers), gossip of blocks and transactions, a
// status handshake, a pull sync protocol, verified remote reads, discovery,
// and the defences that keep a bad peer from costing honest ones anything.
//
//	           ┌───────────────────────── Host ─────────────────────────┐
//	gossipsub ─┤ validators ──► node.SubmitBlockFrom / node.AddTx, for  │
//	(blocks,   │   chain the block or tx names (node.Forest)            │
//	 txs)      │   Accept: relay · Ignore: drop · Reject: penalty/ban   │
//	           │   held block ──► deps: its missing blocks, by id       │
//	           │ announcers ◄── node.OnAccepted (locally accepted)      │
//	/status/3 ─┤ tips of peers, per stored chain ──► syncer.poke        │
//	/sync/2  ──┤ server: GetHeaders, GetBlocks, GetClaims (per chain),  │
//	           │         PushTxs                                        │
//	           │ syncer: a pass over the chains, root first; per chain  │
//	           │         headers from ≤3 peers, bodies from all, in     │
//	           │         order into node.SubmitRunFrom (runs, one write │
//	           │         transaction each) — for a headers-only chain,  │
//	           │         claims (coinbase + Merkle branch) instead of   │
//	           │         bodies, into Forest.ProcessClaimed (claims.go);│
//	           │         Config.OnSync                                  │
//	/proof/1 ──┤ server: node.ProveKey · GetVerified: providers one at  │
//	           │ a time, answers checked against node.TrustedHeader     │
//	DHT, mDNS,─┤ maintain: status refresh, redial, discovery, chains    │
//	           │ announced as DHT providers (providers.go)              │
//	bootstrap  │ bans (<datadir>/p2p.db) ──► gater, pubsub blacklist    │
//	           └────────────────────────────────────────────────────────┘
//
// The host depends on the node only through Node, the interface declared
// in nodeapi.go (chain and forest, mempools, SubmitBlockFrom, SubmitRunFrom, AddTx, events,
// OnAccepted, ProveKey, TrustedHeader); *node.Node implements it and the
// assembly (node/daemon) passes it to New. The package still imports
// node for shared types only (Event, Sync, KeyProof, PeerInfo, RemoteRead, RemoteBlocks,
// NetInfo, BlobInfo, TrustWindow and the API sentinels): it calls nothing
// of that package but Node's methods. What the host reports back (peer
// count, sync progress) goes out through Config.OnPeers and Config.OnSync,
// wired by the assembly, as are the node's reads through the host
// (RemoteReader, RemoteBlocks, ChainPeers). The host keeps known peer addresses and bans
// in its own bbolt file, <datadir>/p2p.db (PeersFile, bucket store.Peers,
// opened with store.OpenBuckets), apart from the chain.
//
// The network carries every chain of the blocktree (docs/PROTOCOL.md §12,
// §14): a block topic per chain, joined only for the chains the node
// stores in full, a claims topic per branch on which full nodes publish
// each accepted block's claim (header, coinbase, Merkle branch) for the
// nodes keeping it as headers only (claimgossip.go), and one topic for
// transactions (each names its chain); a status lists the branch chains its sender stores in full
// with their tips; sync requests name a chain. A node syncs every chain of
// its forest, headers-only ones too (from full peers, by headers and each
// block's coinbase with its Merkle branch, never bodies), root first, since a
// branch block needs its anchor on the parent chain and a root checkpoint
// the branch blocks it names. A block held for such a missing block
// (chain.ErrOrphan) is not its sender's fault: the node asks the sender
// for what is missing by id (deps.go; as a claim when its chain is kept
// as headers only) and syncs. A branch transaction of a
// chain kept as headers only is checked for the state-free rules and
// relayed, but kept in no mempool.
//
// Gossip is a fast path and may lose messages; sync is the source of
// truth. A node syncs when a peer's status shows more work than its own
// tip of some chain, when gossip brings a held block, and every
// Config.SyncInterval. Chains are persisted block by block, so a sync cut
// short by a restart simply continues from the tips.
//
// Every message has a size cap checked before anything is allocated, and
// every object a peer sends is validated before it is relayed. A peer that
// sends a provably invalid block or transaction, a malformed message or an
// oversized frame is disconnected and banned for Config.BanDuration (bans
// survive restarts). Lesser nuisances (requests over the rate limit, orphan
// blocks and transactions that do not apply beyond a free allowance) cost
// score; at -100 the peer is banned. docs/PROTOCOL.md §12 describes the
// wire formats and rules.
//
// Verified reads: GetVerified fetches a key's value and state proof from a
// peer that stores the chain (providers announced in the DHT under
// ChainKey, falling back to connected peers) and accepts it only against a
// header this node verified itself; a peer caught forging is banned. The
// node serves proofs of the chains it stores (SetProofSource replaces it).
//
// API serves node.NetAPI (identity, peers, bans) and node.BlobAPI (the blob
// store and fetches from connected peers, node/blob) for the local API;
// OnBadBlobPeer bans peers the blob service caught misbehaving.
//
// # Parts and owners
//
// The Host assembles parts that each own their state; it holds only what
// New and Start set and everything later only reads (config, libp2p host,
// DHT, the part pointers), and the counters (atomics).
//
//	part           file(s)                  state, and who owns it
//	peerBook       peerbook.go              statuses and scores; its mutex
//	guard          guard.go, gater.go,      bans (banList: map under its
//	               bans.go                  lock, disk writes by a flusher
//	                                        goroutine while any are
//	                                        queued; Close waits for it),
//	                                        gater and subnet
//	                                        limits (their locks), per-peer
//	                                        limiters (theirs); scores via
//	                                        the peer book
//	conns          conns.go                 none of its own; goroutines:
//	                                        maintain (status refresh,
//	                                        redial), discoverDHT, one per
//	                                        handshake and per dial
//	gossip         gossip.go                quiet set (sync.Map), publish
//	                                        queue drained by publishLoop
//	                                        (the only publisher), tx
//	                                        waitlist (its lock), script
//	                                        slots (a channel), per-chain
//	                                        topics (topicSet, its lock);
//	                                        validators run on pubsub's
//	                                        goroutines
//	services       server.go                none; one libp2p goroutine per
//	                                        request stream
//	syncer         sync.go                  progress (its lock); run is the
//	                                        only goroutine syncing, woken
//	                                        through a one-slot channel
//	depFetcher     deps.go                  blocks in flight (its lock);
//	                                        a goroutine per fetch
//	reads          verified.go, proof.go    proof source, liars, good
//	                                        providers (its lock)
//	Host           host.go, discovery.go,   watchReorgs (pushes txs a
//	               providers.go             reorg returned), provideChains
//	                                        (DHT announcements)
//
// The long-lived goroutines (publishLoop, syncer.run, maintain,
// discoverDHT, watchReorgs, provideChains) and those they start are
// counted in Host.wg and end when Close cancels Host.ctx; Close then
// flushes the bans. A part reaches another only through the Host's
// part pointers, never by taking another part's lock; no part holds its
// own lock while it calls another part or does network work.
//
// # Errors
//
// Operations return sentinels wrapped with detail, for errors.Is:
// ErrBadAddr and ErrBadPeerID for unusable input (AddPeer, Ban, listen
// addresses), ErrBanned when AddPeer names a banned peer, ErrSelf, ErrClosed.
// Stream clients (GetHeaders, GetBlocks, GetChainHeaders, GetChainBlocks,
// GetChainClaims, PushTxs, ExchangeStatus) return
// ErrProtocol (with ErrFrameTooLarge for oversized frames) when the peer
// broke the protocol — the host bans it — ErrRateLimited or ErrRemote when
// the peer refused, ErrWrongNetwork for a peer of another network, and
// plain libp2p or context errors for connections that failed or timed out.
// GetVerified returns ErrNoProvider when no peer gave an answer that
// verified (the sentence lists what each peer did); ErrForgedProof and
// ErrUntrustedHeader describe single answers in that list.
package p2p
