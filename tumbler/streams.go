package tumbler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// The protocols, one request and one answer per stream:
//
//	rounds/1  (empty) → the open rounds' statuses, batch left out
//	status/1  round ID → Status
//	input/1   InputReg → the blind signature of its token
//	output/1  OutputReg (from a fresh identity) → empty
//	sign/1    SignMsg → empty
//
// An answer is one byte, 0 ok or 1 refused, then the payload or the
// reason (at most maxReason bytes).
func proto(net wire.Network, name string) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/tumbler/" + name + "/1")
}

const (
	streamTimeout = 20 * time.Second
	maxReason     = 300
	maxRoundsResp = 1 << 20
)

// request sends req on a new stream of proto to p and returns the answer.
func request(ctx context.Context, h host.Host, p peer.ID, pr protocol.ID, req []byte, maxResp int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, streamTimeout)
	defer cancel()
	st, err := h.NewStream(ctx, p, pr)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	st.SetDeadline(time.Now().Add(streamTimeout))
	if _, err := st.Write(req); err != nil {
		st.Reset()
		return nil, err
	}
	if err := st.CloseWrite(); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(st, int64(maxResp)+1))
	if err != nil {
		return nil, err
	}
	switch {
	case len(b) == 0:
		return nil, errors.New("the coordinator closed the stream without an answer")
	case len(b) > maxResp:
		return nil, errors.New("the coordinator's answer is too long")
	case b[0] != 0:
		return nil, fmt.Errorf("the coordinator refused: %s", b[1:])
	}
	return b[1:], nil
}

// handler answers one request from a peer.
type handler func(from peer.ID, req []byte) ([]byte, error)

// serve reads one request of at most maxReq bytes, charges the sender cost
// units (refusing when over its rate) and writes the answer.
func (s *Service) serve(pr protocol.ID, maxReq int, cost float64, perPeer bool, h handler) {
	s.deps.Host.SetStreamHandler(pr, func(st network.Stream) {
		defer st.Close()
		from := st.Conn().RemotePeer()
		st.SetDeadline(time.Now().Add(streamTimeout))
		req, err := io.ReadAll(io.LimitReader(st, int64(maxReq)+1))
		if err != nil {
			st.Reset()
			return
		}
		reply := func(resp []byte, err error) {
			if err != nil {
				msg := err.Error()
				if len(msg) > maxReason {
					msg = msg[:maxReason]
				}
				st.Write(append([]byte{1}, msg...))
				return
			}
			st.Write(append([]byte{0}, resp...))
		}
		if len(req) > maxReq {
			s.charge(from, perPeer, 10*cost)
			reply(nil, errors.New("request too long"))
			return
		}
		if !s.charge(from, perPeer, cost) {
			reply(nil, errors.New("too many requests: slow down"))
			return
		}
		reply(h(from, req))
	})
}
