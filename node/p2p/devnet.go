package p2p

import (
	"fmt"
	"path/filepath"
)

// DevnetNode is one node of a local devnet laid out by DevnetPlan.
type DevnetNode struct {
	Dir       string   `json:"dir"`       // data directory: <dir>/node<i>
	ID        string   `json:"id"`        // peer id (its key is <Dir>/p2p.key)
	Listen    []string `json:"listen"`    // TCP and QUIC on 127.0.0.1:<port>
	Addr      string   `json:"addr"`      // dialable TCP address with /p2p/<id>
	Bootstrap []string `json:"bootstrap"` // the other nodes' Addr
}

// DevnetPlan lays out n nodes under dir for `bitverse devnet`: node i (from
// 1) gets the data directory dir/node<i>, its identity key (created there if
// missing, so the ids are known before any node starts), TCP and QUIC on
// 127.0.0.1:basePort+i-1, and every other node as a bootstrap peer. Start
// each node with Config{Listen: plan[i].Listen, Bootstrap: plan[i].Bootstrap}.
func DevnetPlan(dir string, n, basePort int) ([]DevnetNode, error) {
	if n < 1 {
		return nil, fmt.Errorf("a devnet needs at least one node, not %d", n)
	}
	if basePort < 1024 || basePort+n-1 > 65535 {
		return nil, fmt.Errorf("devnet ports %d..%d are out of range (1024..65535)", basePort, basePort+n-1)
	}
	plan := make([]DevnetNode, n)
	for i := range plan {
		d := filepath.Join(dir, fmt.Sprintf("node%d", i+1))
		_, id, err := LoadIdentity(d)
		if err != nil {
			return nil, err
		}
		port := basePort + i
		plan[i] = DevnetNode{Dir: d, ID: id.String(),
			Listen: []string{fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port), fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", port)},
			Addr:   fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", port, id)}
	}
	for i := range plan {
		for j := range plan {
			if i != j {
				plan[i].Bootstrap = append(plan[i].Bootstrap, plan[j].Addr)
			}
		}
	}
	return plan, nil
}
