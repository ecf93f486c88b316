package script_test

import (
	"context"
	"fmt"

	"github.com/bitverse/bitverse/node/script"
)

type ledger struct{}

func (ledger) Balance(string) (uint64, error)           { return 0, nil }
func (ledger) PaidTotal(string, string) (uint64, error) { return 0, nil }
func (ledger) Owner(string) (string, bool, error)       { return "", false, nil }

// A node compiles a keyspace's script once, when it is set, and validates
// every write into the keyspace with it. Production code uses NewPool (and
// calls script.MaybeRunWorker first thing in main); NewInProcess runs the
// same sandbox in this process.
func Example() {
	prog, err := script.Compile([]byte(`
function validate(write, ctx) {
  if (write.size > 10) throw 'values here are at most 10 bytes';
  return true;
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	runner := script.NewInProcess()
	for _, value := range []string{"short", "far too long for this keyspace"} {
		v, err := runner.Validate(context.Background(), prog,
			script.Write{Key: "demo/x", Value: []byte(value), Signer: "bvd1qqqq"},
			script.Context{Keyspace: "demo", Time: 1700000000000}, ledger{})
		if err != nil {
			fmt.Println("runner failed:", err)
			return
		}
		fmt.Printf("allowed=%v reason=%q code=%v fuel=%d\n", v.Allowed, v.Reason, v.Code, v.Fuel)
	}
	_, err = script.Compile([]byte(`function validate(w) { return /^a+$/.test(w.value) }`))
	fmt.Println(err)
	// Output:
	// allowed=true reason="" code=allowed fuel=37
	// allowed=false reason="values here are at most 10 bytes" code=threw fuel=37
	// access script rejected: line 1: regular expressions are not allowed in access scripts
}
