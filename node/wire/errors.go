package wire

import "errors"

// Sentinel errors of the wire package. Decoding errors wrap ErrMalformed.
var (
	ErrMalformed      = errors.New("malformed data")
	ErrTooLarge       = errors.New("too large")
	ErrBadAddress     = errors.New("invalid address")
	ErrBadSignature   = errors.New("invalid signature")
	ErrUnknownTxType  = errors.New("unknown transaction type")
	ErrAmountOverflow = errors.New("amount overflows")
	ErrBadAmount      = errors.New("invalid amount")
	ErrBadChain       = errors.New("invalid chain name")
)
