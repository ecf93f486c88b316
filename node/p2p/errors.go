package p2p

import "errors"

// Errors of the p2p package. Protocol errors wrap ErrProtocol; a peer whose
// message produced one is banned.
var (
	ErrBadAddr       = errors.New("invalid peer address")
	ErrBadPeerID     = errors.New("invalid peer id")
	ErrProtocol      = errors.New("protocol violation")
	ErrFrameTooLarge = errors.New("frame too large")
	ErrRateLimited   = errors.New("peer is over its request rate")
	ErrRemote        = errors.New("peer refused the request")
	ErrWrongNetwork  = errors.New("peer is on another network")
	ErrClosed        = errors.New("p2p host is closed")
	ErrSelf          = errors.New("cannot connect to self")
	ErrBanned        = errors.New("peer is banned")
)
