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
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Proto is the token redemption protocol of a network:
// /bitverse/<net>/pool/1 (docs/PROTOCOL.md §24).
func Proto(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/pool/1")
}

// Redemption answers.
const (
	statusOK      = 0 // size u64 ‖ the data
	statusNoToken = 1 // no confirmed token-redeem of this pool with that ID
	statusRefused = 2 // member pubkey 32 ‖ signature 64 over wire.RefusalHash
	statusBusy    = 3 // serving all it will; ask again or another member
)

const (
	requestSize       = 2 * wire.HashSize // pool ‖ redemption
	redeemReadTimeout = 10 * time.Second
	redeemTimeout     = 5 * time.Minute // the whole download
	maxRedeeming      = 4               // downloads served at once
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
// redemption, checks that the redemption is a confirmed token-redeem of a
// pool this node serves, and streams the data. A member that lacks its
// data says so with a signed refusal (the redeemer's evidence).
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
	st.SetDeadline(time.Now().Add(redeemTimeout))
	var pool, redemption wire.Hash
	copy(pool[:], req[:wire.HashSize])
	copy(redemption[:], req[wire.HashSize:])
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		st.Write([]byte{statusBusy})
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, redeemTimeout)
	defer cancel()
	if !s.redeemed(ctx, pool, redemption) {
		st.Write([]byte{statusNoToken})
		return
	}
	p, err := s.deps.Chain.Pool(ctx, pool)
	if err != nil || !isMember(p, s.meHex) {
		st.Write([]byte{statusNoToken})
		return
	}
	data, _, err := Data(ctx, s.deps.Chain, s.deps.Blobs, p, s.cfg.MaxData, false)
	if err != nil {
		sig := s.cfg.Key.Sign(wire.RefusalHash(s.deps.Net, pool, redemption))
		out := append([]byte{statusRefused}, s.me[:]...)
		st.Write(append(out, sig[:]...))
		s.log.Warn("refused a token redemption (signed)", "pool", pool.Short(), "redemption", redemption.Short(), "err", err)
		return
	}
	w := bufio.NewWriterSize(st, 64<<10)
	w.WriteByte(statusOK)
	binary.Write(w, binary.BigEndian, uint64(len(data)))
	w.Write(data)
	if err := w.Flush(); err != nil {
		st.Reset()
	}
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

// Redeem asks member peer p for the data of pool under a confirmed
// redemption, and checks what it sends against the pool's size and
// segment root. A signed refusal is returned as *Refusal with ErrRefused,
// checked against the pool's members and wire.RefusalHash.
func Redeem(ctx context.Context, h host.Host, net wire.Network, p peer.ID, info *node.PoolInfo, redemption wire.Hash) ([]byte, *Refusal, error) {
	ctx, cancel := context.WithTimeout(ctx, redeemTimeout)
	defer cancel()
	st, err := h.NewStream(ctx, p, Proto(net))
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	req := append(info.ID[:], redemption[:]...)
	if _, err := st.Write(req); err != nil {
		st.Reset()
		return nil, nil, err
	}
	st.CloseWrite()
	st.SetReadDeadline(time.Now().Add(StatusTimeout))
	r := bufio.NewReader(st)
	status, err := r.ReadByte()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrSilent, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		st.SetReadDeadline(dl)
	}
	switch status {
	case statusOK:
		var size uint64
		if err := binary.Read(r, binary.BigEndian, &size); err != nil {
			return nil, nil, err
		}
		if size != info.Target.Size {
			st.Reset()
			return nil, nil, fmt.Errorf("%w: the member sends %d bytes, the pool holds %d", ErrWrongData, size, info.Target.Size)
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, nil, err
		}
		if wire.SegmentRoot(data) != info.Target.SegmentRoot {
			return nil, nil, fmt.Errorf("%w: the member sent other bytes", ErrWrongData)
		}
		return data, nil, nil
	case statusNoToken:
		return nil, nil, ErrNoRedemption
	case statusBusy:
		return nil, nil, ErrBusy
	case statusRefused:
		var raw [wire.PubKeySize + wire.SigSize]byte
		if _, err := io.ReadFull(r, raw[:]); err != nil {
			return nil, nil, err
		}
		var ref Refusal
		copy(ref.Member[:], raw[:wire.PubKeySize])
		copy(ref.Sig[:], raw[wire.PubKeySize:])
		if !isMember(info, hexKey(ref.Member)) {
			return nil, nil, fmt.Errorf("a refusal signed by %s, no member of the pool", hexKey(ref.Member))
		}
		if err := wire.Verify(ref.Member, wire.RefusalHash(net, info.ID, redemption), ref.Sig); err != nil {
			return nil, nil, fmt.Errorf("a refusal whose signature does not verify: %w", err)
		}
		return nil, &ref, ErrRefused
	}
	return nil, nil, fmt.Errorf("unknown redemption status %d", status)
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

// Download fetches the data of pool under a confirmed redemption (Fetch)
// and reports each signed refusal met on the way (pool-report signed
// with the service's key, which must be the redeemer's). When members were
// asked and none served, it also claims every member that did not refuse
// in writing silent (pool-silence, SilentMembers). It returns the data and
// the reports and claims submitted.
func (s *Service) Download(ctx context.Context, pool, redemption wire.Hash, extra ...peer.ID) ([]byte, []wire.Hash, error) {
	f, err := Fetch(ctx, s.deps, pool, redemption, extra...)
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
	return f.Data, reports, nil
}
