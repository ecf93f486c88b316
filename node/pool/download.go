package pool

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Errors of Fetch.
var (
	ErrNotConfirmed = errors.New("pool: the redemption is not confirmed")
	ErrNoMember     = errors.New("pool: no member served the download")
	ErrAllRefused   = errors.New("pool: every member asked refused the download in writing")
)

// Fetched is what a download of a pool's data under a redemption did.
type Fetched struct {
	Size     uint64    // bytes written
	Peer     peer.ID   // the member's node that served the last block
	Peers    []peer.ID // every member's node that served a part, in order
	Refusals []Refusal // signed refusals met (evidence for a pool-report)
}

// FetchError is a download no member served: it wraps ErrNoMember or,
// when every member asked refused in writing, ErrAllRefused, and carries
// the refusals.
type FetchError struct {
	Pool, Redemption wire.Hash
	Asked            int
	Refusals         []Refusal
	Errs             []error
	Written, Size    uint64 // bytes written before it failed, of the pool's
}

func (e *FetchError) Error() string {
	if e.Written > 0 {
		return fmt.Sprintf("the download of pool %s under redemption %s stopped after %d of %d bytes: %s", e.Pool.Short(), e.Redemption.Short(), e.Written, e.Size, e.reason())
	}
	return e.reason()
}

func (e *FetchError) reason() string {
	if e.Asked == 0 {
		return fmt.Sprintf("no member of pool %s was found to serve redemption %s (none announced the pool, none is connected): try again once the members are reachable",
			e.Pool.Short(), e.Redemption.Short())
	}
	if len(e.Refusals) == e.Asked {
		keys := make([]string, len(e.Refusals))
		for i, r := range e.Refusals {
			keys[i] = hexKey(r.Member)
		}
		return fmt.Sprintf("every member asked (%d) refused redemption %s of pool %s in writing (%s): the signed refusals are evidence for a pool-report",
			e.Asked, e.Redemption.Short(), e.Pool.Short(), strings.Join(keys, ", "))
	}
	return fmt.Sprintf("no member of pool %s served redemption %s (%d asked, %d refused in writing): %v",
		e.Pool.Short(), e.Redemption.Short(), e.Asked, len(e.Refusals), errors.Join(e.Errs...))
}

func (e *FetchError) Unwrap() error {
	if e.Asked > 0 && len(e.Refusals) == e.Asked {
		return ErrAllRefused
	}
	return ErrNoMember
}

// Fetch downloads the data of pool under a confirmed redemption from the
// pool's members into w: the peers given first, then the providers of
// PoolKey, then the connected peers that speak the pool protocol (at most
// 16 in all). Each block is checked against the pool's segment root before
// it is written, so w receives only verified bytes, in order; a member that
// sends a bad block or stops is cut off and the next one asked for the
// rest. It needs no key: refusals are returned for the redeemer to report.
// Cheapest first: the redemption is checked on chain before anyone is
// asked. A failure after some bytes were written is a *FetchError that says
// how many (w then holds a prefix of the data); a failed write to w ends it
// at once (*SinkError).
func Fetch(ctx context.Context, deps Deps, pool, redemption wire.Hash, w io.Writer, extra ...peer.ID) (*Fetched, error) {
	if deps.Host == nil {
		return nil, errors.New("pool: no network to download from")
	}
	tx, conf, err := deps.Chain.Tx(ctx, redemption)
	switch {
	case errors.Is(err, node.ErrNotFound):
		return nil, fmt.Errorf("%w: this node knows no transaction %s", ErrNotConfirmed, redemption.Short())
	case err != nil:
		return nil, err
	case conf == 0:
		return nil, fmt.Errorf("%w: redemption %s is still pending; download once it is in a block", ErrNotConfirmed, redemption.Short())
	}
	if r, ok := tx.Body.(wire.TokenRedeem); !ok || r.Pool != pool {
		return nil, fmt.Errorf("%w: %s is no token-redeem of pool %s", ErrNotConfirmed, redemption.Short(), pool.Short())
	}
	info, err := deps.Chain.Pool(ctx, pool)
	if err != nil {
		return nil, err
	}
	peers := make([]peer.ID, 0, maxDownloadPeers)
	add := func(p peer.ID) {
		if p != deps.Host.ID() && len(peers) < maxDownloadPeers && !slices.Contains(peers, p) {
			peers = append(peers, p)
		}
	}
	for _, p := range extra {
		add(p)
	}
	if deps.Find != nil && deps.PoolKey != nil {
		for _, p := range deps.Find(ctx, deps.PoolKey(pool), maxDownloadPeers) {
			add(p)
		}
	}
	proto := Proto(deps.Net)
	for _, p := range deps.Host.Network().Peers() {
		if deps.Host.Network().Connectedness(p) != network.Connected {
			continue
		}
		if ps, err := deps.Host.Peerstore().SupportsProtocols(p, proto); err == nil && len(ps) > 0 {
			add(p)
		}
	}
	size := info.Target.Size
	fe := &FetchError{Pool: pool, Redemption: redemption, Size: size}
	var next uint64
	var served []peer.ID
	for _, p := range peers {
		n, ref, err := Redeem(ctx, deps.Host, deps.Net, p, info, redemption, next, w)
		if n > next {
			served = append(served, p)
			next = n
			fe.Written = min(size, next*BlockSize)
		}
		if err == nil {
			return &Fetched{Size: size, Peer: p, Peers: served, Refusals: fe.Refusals}, nil
		}
		if se := (*SinkError)(nil); errors.As(err, &se) {
			return nil, err
		}
		fe.Asked++
		if ref != nil {
			fe.Refusals = append(fe.Refusals, *ref)
		}
		fe.Errs = append(fe.Errs, fmt.Errorf("%s: %w", p.ShortString(), err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fe
}

// RefusalInfo is a Refusal as the local API carries it (hex).
type RefusalInfo struct {
	Member string `json:"member"`
	Sig    string `json:"sig"`
}

// Info is r in hex.
func (r Refusal) Info() RefusalInfo {
	return RefusalInfo{Member: hexKey(r.Member), Sig: hex.EncodeToString(r.Sig[:])}
}

// Parse is the Refusal ri carries.
func (ri RefusalInfo) Parse() (Refusal, error) {
	var r Refusal
	pk, err1 := hex.DecodeString(ri.Member)
	sig, err2 := hex.DecodeString(ri.Sig)
	if err1 != nil || err2 != nil || len(pk) != wire.PubKeySize || len(sig) != wire.SigSize {
		return r, fmt.Errorf("a malformed refusal (member %q)", ri.Member)
	}
	copy(r.Member[:], pk)
	copy(r.Sig[:], sig)
	return r, nil
}

// Downloader downloads a pool's data under a confirmed redemption into w
// on behalf of a face (the local API's pool_download streams it).
type Downloader interface {
	Download(ctx context.Context, pool, redemption wire.Hash, w io.Writer) (*Fetched, error)
}

// Fetcher is a Downloader over a node's parts; a node needs no serve
// identity (no --pools) to download.
type Fetcher struct{ Deps Deps }

// Download implements Downloader.
func (f Fetcher) Download(ctx context.Context, pool, redemption wire.Hash, w io.Writer) (*Fetched, error) {
	return Fetch(ctx, f.Deps, pool, redemption, w)
}
