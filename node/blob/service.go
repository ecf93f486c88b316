package blob

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Proto is the blob protocol of a network: /bitverse/<net>/blob/1.
func Proto(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/blob/1")
}

const (
	readRequestTimeout = 10 * time.Second // server: to read a request
	writeReplyTimeout  = 30 * time.Second // server: to write a response
	chunkTimeout       = 30 * time.Second // client: one request, dial to last byte
	maxServing         = 32               // chunks being served at once, all peers together
	serveWait          = 5 * time.Second  // how long a request waits for a serving slot
)

// Service serves the blob protocol from a Store and fetches blobs from
// peers into it. Register creates it; Close stops serving.
type Service struct {
	h       host.Host
	proto   protocol.ID
	store   *Store
	onBad   func(peer.ID, error)
	slots   chan struct{}
	timeout time.Duration

	mu       sync.Mutex           // guards fetching
	fetching map[string]*Progress // manifest key → the fetch running now
}

// Register serves Proto(net) on h from s. onBadPeer, if not nil, is told
// about every peer that misbehaved (see OnBadPeer).
func Register(h host.Host, net wire.Network, s *Store, onBadPeer func(peer.ID, error)) *Service {
	svc := &Service{h: h, proto: Proto(net), store: s, onBad: onBadPeer,
		slots: make(chan struct{}, maxServing), timeout: chunkTimeout,
		fetching: map[string]*Progress{}}
	h.SetStreamHandler(svc.proto, svc.handle)
	return svc
}

// Store returns the store the service serves from and fetches into.
func (svc *Service) Store() *Store { return svc.store }

// Close stops serving the protocol. Fetches in progress are not affected.
func (svc *Service) Close() { svc.h.RemoveStreamHandler(svc.proto) }

// badPeer reports p. Errors wrapping ErrBadChunk or ErrProtocol prove
// misbehaviour; ErrNotFound means p lacked a chunk it was asked for.
func (svc *Service) badPeer(p peer.ID, err error) {
	if svc.onBad != nil {
		svc.onBad(p, err)
	}
}

// handle serves one request per stream: it reads {manifest, index} and
// answers with the chunk and its branch, "not found" or "busy".
func (svc *Service) handle(s network.Stream) {
	defer s.Close()
	p := s.Conn().RemotePeer()
	s.SetReadDeadline(time.Now().Add(readRequestTimeout))
	raw, err := readFrame(s, maxRequestFrame, nil)
	if err == nil {
		var q request
		if q, err = decodeRequest(raw); err == nil {
			s.SetWriteDeadline(time.Now().Add(writeReplyTimeout))
			svc.serve(s, q)
			return
		}
	}
	if errors.Is(err, ErrProtocol) {
		svc.badPeer(p, err)
	}
	s.Reset()
}

func (svc *Service) serve(s network.Stream, q request) {
	if !svc.acquire() {
		writeFrame(s, []byte{statusBusy})
		return
	}
	defer func() { <-svc.slots }()
	if s.Scope().ReserveMemory(q.responseLen(), network.ReservationPriorityMedium) != nil {
		writeFrame(s, []byte{statusBusy})
		return
	}
	buf, err := svc.store.record(q.Manifest, q.Index, 1)
	if err != nil {
		writeFrame(s, []byte{statusNotFound})
		return
	}
	buf[0] = statusOK
	writeFrame(s, buf)
}

// acquire takes a serving slot, waiting up to serveWait.
func (svc *Service) acquire() bool {
	select {
	case svc.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(serveWait)
	defer t.Stop()
	select {
	case svc.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// get asks p for one chunk and returns the record to store (branch ‖
// chunk), verified against the manifest.
func (svc *Service) get(ctx context.Context, p peer.ID, q request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, svc.timeout)
	defer cancel()
	s, err := svc.h.NewStream(ctx, p, svc.proto)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	dl, _ := ctx.Deadline()
	s.SetDeadline(dl)
	if err := writeFrame(s, q.encode()); err != nil {
		s.Reset()
		return nil, err
	}
	s.CloseWrite()
	raw, err := readFrame(s, q.responseLen(), func(n int) error {
		return s.Scope().ReserveMemory(n, network.ReservationPriorityHigh)
	})
	if err != nil {
		s.Reset()
		return nil, err
	}
	chunk, branch, err := decodeResponse(q, raw)
	if err != nil {
		return nil, err
	}
	if err := VerifyChunk(q.Manifest, q.Index, chunk, branch); err != nil {
		return nil, err
	}
	return raw[1:], nil
}
