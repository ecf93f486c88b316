package p2p

import (
	"errors"

	"github.com/bitverse/bitverse/node/blob"
	"github.com/libp2p/go-libp2p/core/peer"
)

// OnBadBlobPeer is the onBadPeer callback to give blob.Register for a
// service on this host: a peer that sent a chunk that does not verify or
// broke the blob protocol is banned like any other misbehaving peer; one
// that merely lacked a chunk (blob.ErrNotFound) is not blamed.
func (x *Host) OnBadBlobPeer(p peer.ID, err error) {
	if errors.Is(err, blob.ErrBadChunk) || errors.Is(err, blob.ErrProtocol) {
		x.guard.ban(p, 0, "blob: "+err.Error())
	}
}
