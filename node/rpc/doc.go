// Package rpc is the node's local API: an HTTP/JSON server bound to
// loopback, and a Client that implements node.API over it, so the CLI and a
// remote TUI use the same interface as the embedded node.
//
// Authentication is a cookie, as in bitcoind: at start the server writes a
// random token to <datadir>/rpc.cookie (mode 0600) and its address to
// <datadir>/rpc.addr; clients read both and send the token as a bearer
// token (Authorization: Bearer <token>). Only a user who can read the data
// directory can drive the node. Any request without it, with another token
// or another scheme is refused with 401, kind "unauthorized", which the
// Client turns into ErrUnauthorized.
//
//	POST /v1/<method>   JSON params → JSON result
//	GET  /v1/events     newline-delimited JSON events until the client leaves
//	POST /v1/blob_put   raw bytes → JSON blob info (streamed; up to the blob store's cap)
//	POST /v1/blob_read  JSON manifest → raw bytes (streamed)
//	POST /v1/pool_download JSON {Pool, Redemption} → a pool's data, downloaded
//	                    from its members (raw bytes streamed as each block
//	                    verifies; trailers say who served and how it ended)
//
// The in-process node and the Client give the same answers to the same
// calls; TestBehavioursSameInProcessAndOverLocalAPI holds them to it.
// node/daemon starts the server for every full node.
//
// The methods of node.API are always served. Those of node.NetAPI (peers,
// bans) and node.BlobAPI (blobs) are served when the node runs with a
// network (Listen's WithNet and WithBlobs options) and otherwise fail with
// node.ErrNoNetwork. The Client implements all three interfaces.
//
// # Errors
//
// Failures come back as {"error": sentence, "kind": k, "code": n}. Kinds map
// to node.ErrNotFound, node.ErrBadRequest, node.ErrNoNetwork (no_network),
// node.ErrNotStored (not_stored: a chain kept as headers only),
// ErrUnauthorized (unauthorized: a missing or wrong cookie), rejected (a
// consensus or mempool rule; code is the consensus.ErrorCode when there is
// one) and internal. The Client turns them back into errors
// that wrap the same sentinels. A blob_read that fails after its first byte
// aborts the connection, and the Client's ReadBlob returns an error.
package rpc
