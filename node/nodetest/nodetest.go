package nodetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
)

// Slow skips t under -short, saying why the test is slow.
func Slow(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why + "; run without -short")
	}
}

// fundsWait bounds WaitFunds: CPU mining at the network's difficulty on a
// loaded machine, then coinbase maturity.
const fundsWait = 2 * time.Minute

// WaitFunds polls api until addr has at least min spendable, and returns
// addr. With addr "", it waits for the node's mine-to address (Status
// MineTo) to be set and funded, and returns that address. It fails t after
// a generous cap.
func WaitFunds(t testing.TB, api node.API, addr string, min uint64) string {
	t.Helper()
	ctx := context.Background()
	var funded string
	testutil.Eventually(t, fundsWait, fmt.Sprintf("a spendable balance of %d for %q", min, addr), func() error {
		a := addr
		if a == "" {
			st, err := api.Status(ctx)
			if err != nil || st.MineTo == "" {
				return fmt.Errorf("no mine-to address yet (%v)", err)
			}
			a = st.MineTo
		}
		acct, err := api.Account(ctx, a)
		if err != nil {
			return err
		}
		if acct.Balance < min {
			return fmt.Errorf("balance %d", acct.Balance)
		}
		funded = a
		return nil
	})
	return funded
}
