package nodetest

import (
	"context"
	"testing"
	"time"

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
	deadline := time.Now().Add(fundsWait)
	for {
		a := addr
		if a == "" {
			if st, err := api.Status(ctx); err == nil {
				a = st.MineTo
			}
		}
		if a != "" {
			if acct, err := api.Account(ctx, a); err == nil && acct.Balance >= min {
				return a
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no spendable balance of %d for %q after %v of mining", min, addr, fundsWait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
