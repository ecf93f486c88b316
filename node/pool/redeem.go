package pool

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Proto is the token redemption protocol of a network:
// /bitverse/<net>/pool/2 (docs/PROTOCOL.md §24; 2: the data streams in
// verified blocks, and a download resumes at a block).
func Proto(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/pool/2")
}

// Redemption answers.
const (
	statusOK      = 0 // size u64 ‖ the blocks asked, each branch ‖ block
	statusNoToken = 1 // no confirmed token-redeem of this pool with that ID
	statusRefused = 2 // member pubkey 32 ‖ signature 64 over wire.RefusalHash
	statusBusy    = 3 // serving all it will; ask again or another member
)

const (
	requestSize       = 2*wire.HashSize + 4 // pool ‖ redemption ‖ first block u32
	redeemReadTimeout = 10 * time.Second    // the member, to read the request
	redeemIdle        = 30 * time.Second    // either side, for the next block to move
	redeemBase        = 5 * time.Minute     // a whole answer: this, plus …
	redeemMinRate     = 64 << 10            // … a second for each this many bytes
	maxRedeeming      = 4                   // downloads served at once
)

// StatusTimeout is how long a redeemer waits for a member's status byte:
// a member that has not answered by then stayed silent.
const StatusTimeout = 30 * time.Second

// Errors of Redeem.
var (
	ErrNoRedemption = errors.New("pool: the member found no confirmed redemption of the pool with that ID")
	ErrBusy         = errors.New("pool: the member is busy")
	// ErrRefused comes with a signed refusal: the Refusal carries the evidence.
	ErrRefused = errors.New("pool: the member refused the download")
	// ErrSilent: no status within StatusTimeout, or the stream was cut
	// before it.
	ErrSilent = errors.New("pool: the member stayed silent")
)

// Refusal is a member's signed refusal to serve a redemption: the
// evidence of a pool-report.
type Refusal struct {
	Member wire.PubKey
	Sig    wire.Signature
}

// handleRedeem serves one redemption per stream: it reads pool ‖
// redemption ‖ first block, checks that the redemption is a confirmed
// token-redeem of a pool this node serves, and streams the data from that
// block on (serve). A member that lacks its data says so with a signed
// refusal (the redeemer's evidence).
func (s *Service) handleRedeem(st network.Stream) {
	if s.silent.Load() {
		st.Reset()
		return
	}
	defer st.Close()
	st.SetReadDeadline(time.Now().Add(redeemReadTimeout))
	var req [requestSize]byte
	if _, err := io.ReadFull(st, req[:]); err != nil {
		st.Reset()
		return
	}
	st.SetReadDeadline(time.Time{})
	var pool, redemption wire.Hash
	copy(pool[:], req[:wire.HashSize])
	copy(redemption[:], req[wire.HashSize:])
	from := uint64(binary.BigEndian.Uint32(req[2*wire.HashSize:]))
	w := &idleWriter{st: st}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		w.Write([]byte{statusBusy})
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	if !s.redeemed(ctx, pool, redemption) {
		w.Write([]byte{statusNoToken})
		return
	}
	p, err := s.deps.Chain.Pool(ctx, pool)
	if err != nil || !isMember(p, s.meHex) {
		w.Write([]byte{statusNoToken})
		return
	}
	if from > blockCount(p.Target.Size) {
		st.Reset()
		return
	}
	left := answerTime(p.Target.Size, from)
	w.end = time.Now().Add(left)
	ctx, cancel = context.WithTimeout(ctx, left)
	defer cancel()
	err = s.serve(ctx, p, from, w)
	var lack *lackError
	switch {
	case errors.As(err, &lack):
		sig := s.cfg.Key.Sign(wire.RefusalHash(s.deps.Net, pool, redemption))
		out := append([]byte{statusRefused}, s.me[:]...)
		w.Write(append(out, sig[:]...))
		s.log.Warn("refused a token redemption (signed)", "pool", pool.Short(), "redemption", redemption.Short(), "err", lack.err)
	case err != nil:
		st.Reset()
		s.log.Debug("a token redemption cut short", "pool", pool.Short(), "redemption", redemption.Short(), "err", err)
	}
}

// idleWriter gives each write to a stream redeemIdle to go through, and
// all of them together until end (when set).
type idleWriter struct {
	st  network.Stream
	end time.Time
}

func (w *idleWriter) Write(p []byte) (int, error) {
	dl := time.Now().Add(redeemIdle)
	if !w.end.IsZero() && w.end.Before(dl) {
		dl = w.end
	}
	w.st.SetWriteDeadline(dl)
	return w.st.Write(p)
}

// answerTime bounds a whole answer from block from of size bytes: five
// minutes plus a second for each 64 KiB, so that a redeemer (or a member)
// that trickles cannot hold one of the few serving slots for ever, while
// any size can be served at a modest rate.
func answerTime(size, from uint64) time.Duration {
	n := size - min(size, from*BlockSize)
	return redeemBase + time.Duration(n/redeemMinRate)*time.Second
}

// lackError is a redemption this node cannot serve because it does not
// hold the pool's data (as the chain describes it): it refuses in writing.
type lackError struct{ err error }

func (e *lackError) Error() string { return e.err.Error() }
func (e *lackError) Unwrap() error { return e.err }

// serve writes the answer to a redemption of p from block from on: it
// reads the data once to build the block tree and check it against the
// pool's size and segment root (a mismatch or missing data is a
// *lackError), then streams it again block by block, each after its
// branch. It holds one block and the block tree (32 bytes a block), never
// the data: a resumed download costs a read of the blocks skipped.
func (s *Service) serve(ctx context.Context, p *node.PoolInfo, from uint64, w io.Writer) error {
	src, err := source(ctx, s.deps.Chain, s.deps.Blobs, p)
	if err != nil {
		return &lackError{err}
	}
	tree, size, err := hashBlocks(src)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return &lackError{err}
	case size != p.Target.Size:
		return &lackError{fmt.Errorf("%w: %d bytes, the pool says %d", ErrWrongData, size, p.Target.Size)}
	case tree.root() != p.Target.SegmentRoot:
		return &lackError{fmt.Errorf("%w: root %s, the pool's %s", ErrWrongData, tree.root().Short(), p.Target.SegmentRoot.Short())}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteByte(statusOK)
	binary.Write(bw, binary.BigEndian, size)
	blocks := newBlocker(func(i uint64, block []byte) error {
		if i < from {
			return nil
		}
		for _, h := range tree.branch(i) {
			bw.Write(h[:])
		}
		_, err := bw.Write(block)
		return err
	})
	if err := src(blocks); err != nil {
		return err
	}
	if err := blocks.Close(); err != nil {
		return err
	}
	if blocks.next != blockCount(size) {
		return fmt.Errorf("%w: the data changed while it was sent", ErrWrongData)
	}
	return bw.Flush()
}

// source is how to read a pool's data as this node holds it now: a key's
// value from the chain, a blob from the blob store (each chunk verified
// on read), streamed into a writer.
func source(ctx context.Context, c Chain, blobs node.BlobAPI, p *node.PoolInfo) (func(io.Writer) error, error) {
	t := p.Target
	value, err := c.Value(ctx, t.Chain, t.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: read the pool's key %s: %v", ErrNoData, t.Key, err)
	}
	switch t.Kind {
	case "key":
		return func(w io.Writer) error {
			_, err := w.Write(value)
			return err
		}, nil
	case "blob":
		m, err := blob.DecodeManifest(value)
		if err != nil {
			return nil, fmt.Errorf("%w: the value at %s is no blob manifest: %v", ErrWrongData, t.Key, err)
		}
		if m.Size != t.Size {
			return nil, fmt.Errorf("%w: the blob at %s has %d bytes, the pool %d", ErrWrongData, t.Key, m.Size, t.Size)
		}
		if blobs == nil {
			return nil, fmt.Errorf("%w: the node has no blob store", ErrNoData)
		}
		return func(w io.Writer) error {
			_, err := blobs.ReadBlob(ctx, value, w)
			return err
		}, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupported, t.Kind)
}

// redeemed reports whether redemption is a confirmed token-redeem of pool.
func (s *Service) redeemed(ctx context.Context, pool, redemption wire.Hash) bool {
	tx, conf, err := s.deps.Chain.Tx(ctx, redemption)
	if err != nil || conf == 0 {
		return false
	}
	r, ok := tx.Body.(wire.TokenRedeem)
	return ok && r.Pool == pool
}

func isMember(p *node.PoolInfo, pk string) bool {
	for _, m := range p.Members {
		if m.PubKey == pk {
			return true
		}
	}
	return false
}

// SinkError is a failure to write downloaded data where it goes (a file,
// the local API's client): no member is to blame, and no other is asked.
type SinkError struct{ Err error }

func (e *SinkError) Error() string { return "write the downloaded data: " + e.Err.Error() }
func (e *SinkError) Unwrap() error { return e.Err }

// Redeem asks member peer p for the data of pool under a confirmed
// redemption, from block from on, and writes each block to w as soon as
// it verifies against the pool's segment root (its size checked first).
// It returns the next block not written, so another member can be asked
// for the rest. A block that does not verify ends the stream with
// ErrWrongData; a failed write to w is a *SinkError. A signed refusal is
// returned as *Refusal with ErrRefused, checked against the pool's
// members and wire.RefusalHash.
func Redeem(ctx context.Context, h host.Host, net wire.Network, p peer.ID, info *node.PoolInfo, redemption wire.Hash, from uint64, w io.Writer) (uint64, *Refusal, error) {
	dctx, cancel := context.WithTimeout(ctx, redeemIdle)
	st, err := h.NewStream(dctx, p, Proto(net))
	cancel()
	if err != nil {
		return from, nil, err
	}
	defer st.Close()
	ctx, cancel = context.WithTimeout(ctx, answerTime(info.Target.Size, from))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	req := make([]byte, 0, requestSize)
	req = append(append(req, info.ID[:]...), redemption[:]...)
	req = binary.BigEndian.AppendUint32(req, uint32(from))
	st.SetDeadline(time.Now().Add(redeemIdle))
	if _, err := st.Write(req); err != nil {
		st.Reset()
		return from, nil, err
	}
	st.CloseWrite()
	st.SetReadDeadline(time.Now().Add(StatusTimeout))
	r := bufio.NewReaderSize(st, 64<<10)
	status, err := r.ReadByte()
	if err != nil {
		return from, nil, fmt.Errorf("%w: %v", ErrSilent, err)
	}
	st.SetReadDeadline(time.Now().Add(redeemIdle))
	switch status {
	case statusOK:
		var size uint64
		if err := binary.Read(r, binary.BigEndian, &size); err != nil {
			return from, nil, err
		}
		if size != info.Target.Size {
			st.Reset()
			return from, nil, fmt.Errorf("%w: the member sends %d bytes, the pool holds %d", ErrWrongData, size, info.Target.Size)
		}
		next, err := receive(r, info.Target.SegmentRoot, size, from, w, func() {
			st.SetReadDeadline(time.Now().Add(redeemIdle))
		})
		if err != nil {
			st.Reset()
		}
		return next, nil, err
	case statusNoToken:
		return from, nil, ErrNoRedemption
	case statusBusy:
		return from, nil, ErrBusy
	case statusRefused:
		var raw [wire.PubKeySize + wire.SigSize]byte
		if _, err := io.ReadFull(r, raw[:]); err != nil {
			return from, nil, err
		}
		var ref Refusal
		copy(ref.Member[:], raw[:wire.PubKeySize])
		copy(ref.Sig[:], raw[wire.PubKeySize:])
		if !isMember(info, hexKey(ref.Member)) {
			return from, nil, fmt.Errorf("a refusal signed by %s, no member of the pool", hexKey(ref.Member))
		}
		if err := wire.Verify(ref.Member, wire.RefusalHash(net, info.ID, redemption), ref.Sig); err != nil {
			return from, nil, fmt.Errorf("a refusal whose signature does not verify: %w", err)
		}
		return from, &ref, ErrRefused
	}
	return from, nil, fmt.Errorf("unknown redemption status %d", status)
}

// Report submits a pool-report of a signed refusal, signed by k (the
// redeemer).
func Report(ctx context.Context, c Chain, k wire.PrivKey, pool, redemption wire.Hash, ref *Refusal) (wire.Hash, error) {
	return c.Submit(ctx, k, wire.PoolReport{Pool: pool, Redemption: redemption, Member: ref.Member, Evidence: ref.Sig[:]})
}

// Silence submits a pool-silence signed by k (the redeemer): a claim that
// member stayed silent on redemption, escrowing the deposit; the member
// must answer the serve challenge it opens or be demoted.
func Silence(ctx context.Context, c Chain, k wire.PrivKey, pool, redemption wire.Hash, member wire.PubKey) (wire.Hash, error) {
	return c.Submit(ctx, k, wire.PoolSilence{Pool: pool, Redemption: redemption, Member: member})
}

// SilentMembers are the members of info to claim silent after a download
// of redemption that no member served although some were asked: every
// member that did not refuse in writing (a refusal is reported instead),
// but not the redeemer itself. The chain cannot tell which member a peer
// was, and a member that could not be found served no more than one that
// was found and stayed silent; a claim costs only the members that no
// longer hold the data (one that does answers and keeps the deposit).
func SilentMembers(info *node.PoolInfo, redeemer wire.PubKey, refusals []Refusal) []wire.PubKey {
	var out []wire.PubKey
	for _, m := range info.Members {
		pk, err := hex.DecodeString(m.PubKey)
		if err != nil || len(pk) != wire.PubKeySize || m.PubKey == hexKey(redeemer) {
			continue
		}
		if slices.ContainsFunc(refusals, func(r Refusal) bool { return hexKey(r.Member) == m.PubKey }) {
			continue
		}
		out = append(out, wire.PubKey(pk))
	}
	return out
}

// maxDownloadPeers bounds the members a Download asks.
const maxDownloadPeers = 16

// Download fetches the data of pool under a confirmed redemption into w
// (Fetch) and reports each signed refusal met on the way (pool-report
// signed with the service's key, which must be the redeemer's). When
// members were asked and none served, it also claims every member that did
// not refuse in writing silent (pool-silence, SilentMembers). It returns
// what Fetch did and the reports and claims submitted.
func (s *Service) Download(ctx context.Context, pool, redemption wire.Hash, w io.Writer, extra ...peer.ID) (*Fetched, []wire.Hash, error) {
	f, err := Fetch(ctx, s.deps, pool, redemption, w, extra...)
	var refusals []Refusal
	var fe *FetchError
	switch {
	case err == nil:
		refusals = f.Refusals
	case errors.As(err, &fe):
		refusals = fe.Refusals
	default:
		return nil, nil, err
	}
	var reports []wire.Hash
	for i := range refusals {
		ref := &refusals[i]
		id, rerr := Report(ctx, s.deps.Chain, *s.cfg.Key, pool, redemption, ref)
		if rerr != nil {
			s.log.Warn("report a refusal", "pool", pool.Short(), "member", hexKey(ref.Member), "err", rerr)
			continue
		}
		reports = append(reports, id)
		s.log.Info("reported a member that refused a redemption", "pool", pool.Short(), "member", hexKey(ref.Member), "tx", id.Short())
	}
	if fe != nil && fe.Asked > 0 {
		if info, ierr := s.deps.Chain.Pool(ctx, pool); ierr == nil {
			for _, m := range SilentMembers(info, s.me, refusals) {
				id, serr := Silence(ctx, s.deps.Chain, *s.cfg.Key, pool, redemption, m)
				if serr != nil {
					s.log.Warn("claim a silent member", "pool", pool.Short(), "member", hexKey(m), "err", serr)
					continue
				}
				reports = append(reports, id)
				s.log.Info("claimed a member silent on a redemption", "pool", pool.Short(), "member", hexKey(m), "tx", id.Short())
			}
		}
	}
	if err != nil {
		return nil, reports, err
	}
	return f, reports, nil
}
