package p2p

import (
	"context"
	"fmt"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

const fetchTimeout = 30 * time.Second

// send opens a sync stream to p and writes q; the caller reads the reply.
func (x *Host) send(ctx context.Context, p peer.ID, q *request) (network.Stream, error) {
	s, err := x.h.NewStream(ctx, p, ProtoSync(x.net))
	if err != nil {
		return nil, err
	}
	dl := time.Now().Add(fetchTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	s.SetDeadline(dl)
	if err := writeFrame(s, q.encode()); err != nil {
		s.Reset()
		return nil, err
	}
	s.CloseWrite()
	return &ctxStream{Stream: s, stop: context.AfterFunc(ctx, func() { s.Reset() })}, nil
}

// ctxStream is a stream that is reset when its context ends, so a
// cancelled sync or a closing host never waits out a read deadline.
type ctxStream struct {
	network.Stream
	stop func() bool
}

func (s *ctxStream) Close() error {
	s.stop()
	return s.Stream.Close()
}

// GetHeaders asks p for up to max best-chain headers of the root after
// the first locator entry it knows.
func (x *Host) GetHeaders(ctx context.Context, p peer.ID, locator []wire.Hash, max int) ([]wire.Header, error) {
	return x.GetChainHeaders(ctx, p, wire.RootChain, locator, max)
}

// GetChainHeaders asks p for up to max best-chain headers of chain c
// after the first locator entry it knows. A header of another chain is a
// protocol violation.
func (x *Host) GetChainHeaders(ctx context.Context, p peer.ID, c wire.ChainID, locator []wire.Hash, max int) ([]wire.Header, error) {
	if len(locator) > MaxLocator {
		locator = locator[:MaxLocator]
	}
	s, err := x.send(ctx, p, &request{Type: msgGetHeaders, Chain: c, Locator: locator, Max: max})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	raw, err := readFrame(s, MaxHeadersFrame)
	if err != nil {
		s.Reset()
		return nil, err
	}
	hs, err := decodeHeaders(raw)
	if err != nil {
		return nil, err
	}
	if len(hs) > max {
		return nil, fmt.Errorf("%w: %d headers for a request of %d", ErrProtocol, len(hs), max)
	}
	for i := range hs {
		if hs[i].Chain != c {
			return nil, fmt.Errorf("%w: header %d is of chain %s, asked for chain %s", ErrProtocol, i, hs[i].Chain, c)
		}
	}
	return hs, nil
}

// GetBlocks asks p for root blocks by id. The result has one entry per
// id, nil where p did not send the block. A block that is not the one
// asked for is a protocol violation.
func (x *Host) GetBlocks(ctx context.Context, p peer.ID, ids []wire.Hash) ([]*wire.Block, error) {
	return x.GetChainBlocks(ctx, p, wire.RootChain, ids)
}

// GetChainBlocks asks p for blocks of chain c by id (a branch block's id
// does not say which chain it is on, so the request names it). The result
// has one entry per id, nil where p did not send the block (it does not
// know it, or keeps c as headers only). A block that is not the one asked
// for is a protocol violation.
func (x *Host) GetChainBlocks(ctx context.Context, p peer.ID, c wire.ChainID, ids []wire.Hash) ([]*wire.Block, error) {
	s, err := x.send(ctx, p, &request{Type: msgGetBlocks, Chain: c, IDs: ids})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	head, err := readFrame(s, maxReplyHeadFrame)
	if err != nil {
		s.Reset()
		return nil, err
	}
	r := wire.NewReader(head)
	if code := r.U8(); code != replyOK && r.Err() == nil {
		return nil, replyError(code)
	}
	n := r.Len(MaxBlocksPerReq, 0, "blocks")
	if err := r.Done(); err != nil || n != len(ids) {
		return nil, fmt.Errorf("%w: blocks reply head (count %d for %d ids): %v", ErrProtocol, n, len(ids), err)
	}
	out := make([]*wire.Block, len(ids))
	for i := range ids {
		raw, err := readFrame(s, MaxBlockFrame)
		if err != nil {
			s.Reset()
			return nil, err
		}
		if len(raw) == 0 || raw[0] > 1 || (raw[0] == 0 && len(raw) != 1) {
			return nil, fmt.Errorf("%w: block frame %d", ErrProtocol, i)
		}
		if raw[0] == 0 {
			continue
		}
		b, err := wire.DecodeBlock(raw[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: block %d: %w", ErrProtocol, i, err)
		}
		if b.ID() != ids[i] {
			return nil, fmt.Errorf("%w: asked for block %s, got %s", ErrProtocol, ids[i].Short(), b.ID().Short())
		}
		out[i] = b
	}
	return out, nil
}

// PushTxs sends raw transactions to p and returns how many it admitted.
func (x *Host) PushTxs(ctx context.Context, p peer.ID, raws [][]byte) (int, error) {
	s, err := x.send(ctx, p, &request{Type: msgPushTxs, Txs: raws})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	raw, err := readFrame(s, maxReplyHeadFrame)
	if err != nil {
		s.Reset()
		return 0, err
	}
	r := wire.NewReader(raw)
	if code := r.U8(); code != replyOK && r.Err() == nil {
		return 0, replyError(code)
	}
	n := r.Uvarint()
	if err := r.Done(); err != nil {
		return 0, fmt.Errorf("%w: push reply: %w", ErrProtocol, err)
	}
	return int(n), nil
}
