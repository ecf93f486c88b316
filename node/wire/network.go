package wire

import "fmt"

// Network names one Bitverse network. Its ID is part of every signed message,
// so nothing signed for one network is valid on another; its HRP is the
// human-readable prefix of its addresses.
type Network struct {
	Name string
	ID   uint32
	HRP  string
}

// The known networks.
var (
	Mainnet = Network{Name: "mainnet", ID: 0xb17e0001, HRP: "bv"}
	Testnet = Network{Name: "testnet", ID: 0xb17e0002, HRP: "bvt"}
	Devnet  = Network{Name: "devnet", ID: 0xb17e0003, HRP: "bvd"}
)

// NetworkByName returns the network called name.
func NetworkByName(name string) (Network, error) {
	for _, n := range []Network{Mainnet, Testnet, Devnet} {
		if n.Name == name {
			return n, nil
		}
	}
	return Network{}, fmt.Errorf("unknown network %q (known: mainnet, testnet, devnet)", name)
}
