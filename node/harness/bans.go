package harness

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
)

// banMsg is the message the p2p host logs when it bans a peer.
const banMsg = "peer banned"

// A ban one harness node made, seen in its log.
type banSeen struct {
	by     string // the banning node's name
	peer   string // the banned peer's id
	reason string
}

// banWatch records the bans a node's log reports, whatever the log level
// the test chose, so that the harness can tell when honest nodes banned
// each other: an honest node is never banned for a rule violation, so such
// a ban is a bug (most often a refusal that depends on the refusing node's
// state, treated as the sender's fault).
type banWatch struct {
	inner slog.Handler
	name  string
	h     *Harness
}

func (w banWatch) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || w.inner.Enabled(ctx, l)
}

func (w banWatch) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == banMsg {
		b := banSeen{by: w.name}
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "peer":
				if id, ok := a.Value.Any().(peer.ID); ok {
					b.peer = id.String()
				} else {
					b.peer = a.Value.String()
				}
			case "reason":
				b.reason = a.Value.String()
			}
			return true
		})
		w.h.banMu.Lock()
		w.h.bans = append(w.h.bans, b)
		w.h.banMu.Unlock()
	}
	if !w.inner.Enabled(ctx, r.Level) {
		return nil
	}
	return w.inner.Handle(ctx, r)
}

func (w banWatch) WithAttrs(as []slog.Attr) slog.Handler {
	w.inner = w.inner.WithAttrs(as)
	return w
}

func (w banWatch) WithGroup(g string) slog.Handler {
	w.inner = w.inner.WithGroup(g)
	return w
}

// Hostile declares that n misbehaves on purpose in this test: bans of n,
// and bans n makes, are expected. Without it, a harness node banning
// another harness node fails the test when it ends.
func (h *Harness) Hostile(n *Node) {
	h.banMu.Lock()
	h.hostile[n.Name] = true
	h.banMu.Unlock()
}

// honestBans returns, one line each, the bans between two harness nodes
// of which neither was declared Hostile. Bans the operator asked for (the
// local API's ban) are not the node's judgement and are left out.
func (h *Harness) honestBans() []string {
	byID := map[string]string{}
	for _, n := range h.Nodes() {
		if n.Host != nil {
			byID[n.ID().String()] = n.Name
		}
	}
	h.banMu.Lock()
	defer h.banMu.Unlock()
	var out []string
	seen := map[string]bool{} // a ban is logged again for each object the banned peer sent before it was dropped
	for _, b := range h.bans {
		name, ours := byID[b.peer]
		if !ours || h.hostile[name] || h.hostile[b.by] || b.reason == "banned by the operator" {
			continue
		}
		if s := fmt.Sprintf("%s banned %s: %s", b.by, name, b.reason); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// checkBans fails the test if honest nodes banned each other.
func (h *Harness) checkBans() {
	for _, s := range h.honestBans() {
		h.t.Errorf("harness: an honest node banned another (a refusal that is not a rule violation treated as one; declare a hostile node with Harness.Hostile): %s", s)
	}
}

var _ slog.Handler = banWatch{}

// banState is the harness's record of bans (guarded by banMu: nodes log
// from their own goroutines).
type banState struct {
	banMu   sync.Mutex
	bans    []banSeen
	hostile map[string]bool
}
