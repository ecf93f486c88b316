package chain

import "errors"

// Non-rule outcomes of ProcessBlock.
var (
	ErrOrphan = errors.New("block's parent is not known yet; held until it arrives")
	ErrKnown  = errors.New("block already known")
)

// ErrNotFound means a block or transaction is not known.
var ErrNotFound = errors.New("not found")
