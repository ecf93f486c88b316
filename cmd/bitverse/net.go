package main

import (
	"context"
	"log/slog"

	"github.com/bitverse/bitverse/node"
)

// netHandle is the node's network side. (Replaced by the p2p host when it lands.)
type netHandle struct{}

func startNetwork(ctx context.Context, f nodeFlags, dir string, n *node.Node, log *slog.Logger) (*netHandle, error) {
	return &netHandle{}, nil
}

func (h *netHandle) Close()          {}
func (h *netHandle) Addrs() []string { return nil }
