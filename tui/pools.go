package tui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// Availability pools on two screens: the data screen shows the pools of
// the value being viewed (members, tier, endowment left, expected
// lifetime), the mining screen the pools the wallet's account serves with
// its challenge record and earnings. Reads only; one request out per
// screen, asked again when it answers stale.

// poolsMsg carries pools read for a key (key set) or a member.
type poolsMsg struct {
	id     reqID
	key    string
	member string
	pools  []node.PoolInfo
	err    error
}

func poolsCmd(ctx context.Context, api node.API, id reqID, f node.PoolFilter) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		ps, err := api.Pools(ctx, f)
		return poolsMsg{id: id, key: f.Key, member: f.Member, pools: ps, err: err}
	}
}

// poolLine is one pool in a line: id, members of replicas, tier,
// endowment left and how many more epochs the curve pays.
func poolLine(p node.PoolInfo) string {
	s := fmt.Sprintf("pool %s · %d/%d members · tier %d · %s left · ~%s epochs", p.ID.Short(), len(p.Members), p.Replicas,
		p.Tier, view.Amount(p.Endowment), view.Int(p.ExpectedLifetime))
	if p.Target.Kind == "prefix" {
		// It keeps the listing of every key under its prefix, the value
		// viewed among them.
		s = fmt.Sprintf("pool %s · every key under %s%s", p.ID.Short(), p.Target.Key, s[len("pool ")+len(p.ID.Short()):])
	}
	if p.Closed {
		s += " · closed"
	}
	return s
}

// memberLine is a member's record in a line.
func memberLine(m node.PoolMemberInfo) string {
	s := fmt.Sprintf("tier %d · stake %s · answered %s · missed %s · earned %s", m.Tier, view.Amount(m.Stake),
		view.Int(m.Answered), view.Int(m.Missed), view.Amount(m.Earned))
	if m.Leaving {
		s += " · leaving"
	}
	return s
}

// memberOf returns addr's record in p, if it is a member.
func memberOf(p node.PoolInfo, addr string) (node.PoolMemberInfo, bool) {
	for _, m := range p.Members {
		if m.Address == addr {
			return m, true
		}
	}
	return node.PoolMemberInfo{}, false
}

// poolMember is the account whose pools the mining screen shows: the
// wallet's first (the serve identity of an embedded node).
func (s *common) poolMember() string {
	if len(s.accounts) > 0 {
		return s.accounts[0].Address
	}
	return ""
}

func (m *miningScreen) fetchServed() tea.Cmd {
	who := m.s.poolMember()
	if who == "" {
		return nil
	}
	if m.servedReq != 0 {
		m.servedStale = true
		return nil
	}
	m.servedReq = m.s.newID()
	return poolsCmd(m.s.ctx, m.s.api, m.servedReq, node.PoolFilter{Member: who, Limit: maxServedLines})
}

func (m *miningScreen) gotServed(msg poolsMsg) tea.Cmd {
	if msg.id != m.servedReq {
		return nil
	}
	m.servedReq = 0
	m.served, m.servedErr = msg.pools, msg.err
	if m.servedStale {
		m.servedStale = false
		return m.fetchServed()
	}
	return nil
}

// maxServedLines is how many served pools the mining screen lists.
const maxServedLines = 3

// poolsSection is the mining screen's "Pools served": each pool the
// account is a member of and its record there (challenges answered and
// missed, earnings), or nothing when it serves none.
func (m *miningScreen) poolsSection() []string {
	st := m.s.st
	who := m.s.poolMember()
	if who == "" || m.servedErr == nil && len(m.served) == 0 {
		return nil
	}
	lines := []string{"", " " + st.Title.Render("Pools served") + st.Muted.Render("  (challenges answered each epoch; paid per answer)")}
	if m.servedErr != nil {
		return append(lines, "  "+st.Bad.Render(view.Truncate(sentence(m.servedErr), m.width-4)))
	}
	var earned uint64
	for _, p := range m.served {
		lines = append(lines, "  "+st.Value.Render(view.Truncate(poolLine(p), m.width-4)))
		if me, ok := memberOf(p, who); ok {
			earned += me.Earned
			lines = append(lines, "    "+st.Muted.Render(view.Truncate("you: "+memberLine(me), m.width-6)))
		}
	}
	return append(lines, "  "+field(st, "earned", st.Strong.Render(view.Amount(earned))+st.Muted.Render(" from pools")))
}
