// Command cheapguard is a program that is not a test binary calling
// wallet.CheapKeystoresForTests: TestCheapKeystoresOnlyInTestBinaries runs
// it to see that users' wallets keep the product's scrypt cost.
package main

import (
	"fmt"
	"os"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
)

func main() {
	lowered := wallet.CheapKeystoresForTests()
	if _, _, err := wallet.Create(os.Args[1], wire.Devnet, []byte("pass"), 12); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(lowered)
}
