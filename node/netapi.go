package node

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/bitverse/bitverse/node/wire"
)

// NetAPI is what a face needs from the node's network side: who the node
// is on the network, its peers and bans. The p2p layer implements it
// (p2p.API) for a node in this process; rpc.Client implements it over the
// local API. It is apart from API because a Node alone has no network.
type NetAPI interface {
	NetInfo(ctx context.Context) (NetInfo, error)
	Peers(ctx context.Context) ([]PeerInfo, error)
	// AddPeer connects to a multiaddr ending in /p2p/<id> and remembers it.
	AddPeer(ctx context.Context, addr string) error
	// BanPeer disconnects a peer and refuses it for d (d <= 0: the
	// network's default ban). UnbanPeer lifts a ban.
	BanPeer(ctx context.Context, id string, d time.Duration) error
	UnbanPeer(ctx context.Context, id string) error
}

// BlobAPI moves values larger than a put carries (wire.MaxValueSize): the
// node keeps them in its blob store, cut into chunks, and a put records
// only the manifest (see node/blob). Manifests travel encoded.
type BlobAPI interface {
	// PutBlob stores everything r yields and returns the blob's manifest.
	PutBlob(ctx context.Context, r io.Reader) (BlobInfo, error)
	// FetchBlob makes sure the node holds every chunk of the blob,
	// fetching missing ones from its peers and verifying each.
	FetchBlob(ctx context.Context, manifest []byte) (BlobInfo, error)
	// ReadBlob writes a blob the node holds to w. It fails with
	// ErrNotFound before writing anything if the node lacks a chunk.
	ReadBlob(ctx context.Context, manifest []byte, w io.Writer) (int64, error)
	// BlobProgress says how far the fetch of the blob running now has
	// come (Fetching), or how much of it the node holds.
	BlobProgress(ctx context.Context, manifest []byte) (BlobProgress, error)
}

// ErrNoNetwork means the node runs without a network side.
var ErrNoNetwork = errors.New("the node is not on the network")

// NetInfo is the node's identity on the network.
type NetInfo struct {
	ID    string   `json:"id"`    // peer id
	Addrs []string `json:"addrs"` // dialable, each ending in /p2p/<id>
	Peers int      `json:"peers"` // connected
	Bans  int      `json:"bans"`  // in force
}

// PeerInfo describes a peer for `bitverse peers`. JSON names are part of
// the CLI contract.
type PeerInfo struct {
	ID          string    `json:"id"`
	Addrs       []string  `json:"addrs"`
	Connected   bool      `json:"connected"`
	Direction   string    `json:"direction,omitempty"` // inbound or outbound
	LatencyMS   float64   `json:"latency_ms"`
	Score       int       `json:"score"`
	Height      uint64    `json:"height"` // the tip height the peer last reported
	Tip         wire.Hash `json:"tip"`
	Agent       string    `json:"agent,omitempty"`
	Banned      bool      `json:"banned"`
	BannedUntil time.Time `json:"banned_until,omitzero"`
	BanReason   string    `json:"ban_reason,omitempty"`
}

// BlobInfo describes a blob: its encoded manifest and what it says.
type BlobInfo struct {
	Manifest  Hex       `json:"manifest"` // encoded (52 bytes): the put value
	Root      wire.Hash `json:"root"`
	Size      uint64    `json:"size"`
	ChunkSize uint32    `json:"chunk_size"`
	Chunks    int       `json:"chunks"`
}

// BlobProgress is how much of a blob a node holds and, while a fetch
// runs, how fast it comes. JSON names are part of the CLI contract.
type BlobProgress struct {
	Fetching bool      `json:"fetching"`
	Chunks   int       `json:"chunks"` // held
	Total    int       `json:"total"`  // in the blob
	Bytes    uint64    `json:"bytes"`  // held
	Size     uint64    `json:"size"`
	Peers    int       `json:"peers"`          // asked by the fetch
	Rate     float64   `json:"rate"`           // bytes a second, this fetch
	From     string    `json:"from,omitempty"` // the peer whose chunk was stored last
	Started  time.Time `json:"started,omitzero"`
}
