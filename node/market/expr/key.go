package expr

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

func validKey(k string) error {
	if err := wire.ValidKey(k); err != nil {
		return fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	return nil
}
