package market

import (
	"context"

	"github.com/libp2p/go-libp2p/core/peer"
)

// AskPrivate sends one private-settlement message to a worker's node, as
// a requester's node does (reject vectors use it).
func (s *Service) AskPrivate(ctx context.Context, to peer.ID, m *PrivateMsg) ([]byte, error) {
	return s.askPrivate(ctx, to, m)
}
