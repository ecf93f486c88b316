package tui

import (
	"strings"

	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// marketSection is the part of the market screen shown.
type marketSection int

const (
	mkRequest marketSection = iota // the request box and its live price table
	mkMine                         // my bounties and jobs
	mkOpen                         // open bounties to browse and accept
)

// marketScreen is the compute market: a request and its price table
// updating live as offers arrive (marketRequest, market_request.go), my
// bounties and jobs with their countdowns (marketMine, market_mine.go),
// open bounties to browse and accept (marketOpen, market_open.go), the
// serve toggle and what this node earned, and a result's preview
// (marketResult, market_result.go). It owns the subscription to the
// market's events (one wait out at a time, as the root does for the
// node's) and hands each to its components.
type marketScreen struct {
	s             *common
	width, height int
	active        bool
	section       marketSection
	showResult    bool // the result preview covers the section

	req  *marketRequest
	mine *marketMine
	open *marketOpen
	res  *marketResult

	serve     *market.ServeStatus
	serveErr  error
	serveBusy bool // a Serve or ServeStatus call is out
	serveMore bool // and another is wanted after it

	// the live requests this node has seen, for the request section's
	// list and the names of open bounties' requests
	requests          []market.RequestInfo
	requestsErr       error
	reqBusy, reqStale bool

	eventsFailing bool // the last subscription failed (logged once)
	// remoteNone: the node attached to (--rpc) runs no market service
	remoteNone bool
}

func newMarket(s *common) *marketScreen {
	ms := &marketScreen{s: s}
	ms.req = newMarketRequest(s)
	ms.mine = newMarketMine(s)
	ms.open = newMarketOpen(s)
	ms.res = newMarketResult(s)
	return ms
}

func (ms *marketScreen) restyle() {
	ms.req.restyle()
	ms.open.restyle()
}

func (ms *marketScreen) Title() string { return "Market" }

func (ms *marketScreen) Deactivate() { ms.active = false }

func (ms *marketScreen) SetSize(w, h int) {
	ms.width, ms.height = w, h
	ms.req.SetSize(w, h-marketHead)
	ms.mine.SetSize(w, h-marketHead)
	ms.open.SetSize(w, h-marketHead)
	ms.res.SetSize(w, h-marketHead)
}

// marketHead is the lines above a section: the serve line, the section
// switcher and a blank line.
const marketHead = 3

// Init subscribes to the market's events.
func (ms *marketScreen) Init() tea.Cmd {
	if ms.s.market == nil {
		return nil
	}
	return marketSubscribeCmd(ms.s.ctx, ms.s.market)
}

func (ms *marketScreen) Activate() tea.Cmd {
	ms.active = true
	if ms.s.market == nil {
		return nil
	}
	cmds := []tea.Cmd{ms.fetchServe(), ms.fetchRequests()}
	switch ms.section {
	case mkRequest:
		cmds = append(cmds, ms.req.Activate())
	case mkMine:
		cmds = append(cmds, ms.mine.fetch())
	case mkOpen:
		cmds = append(cmds, ms.open.fetch())
	}
	return tea.Batch(cmds...)
}

// holding reports whether the shown section has a form or a review up:
// it then takes every key.
func (ms *marketScreen) holding() bool {
	if ms.showResult {
		return ms.mine.flow.active()
	}
	switch ms.section {
	case mkRequest:
		return ms.req.holding()
	case mkMine:
		return ms.mine.flow.active()
	case mkOpen:
		return ms.open.holding()
	}
	return false
}

func (ms *marketScreen) Capturing() bool {
	if ms.s.market == nil || ms.showResult {
		return false
	}
	switch ms.section {
	case mkRequest:
		return ms.req.capturing()
	case mkOpen:
		return ms.open.capturing()
	}
	return false
}

func (ms *marketScreen) Dirty() bool { return false }

func (ms *marketScreen) ShortHelp() []key.Binding {
	k := ms.s.keys
	if ms.s.market == nil {
		return nil
	}
	if ms.showResult {
		if ms.mine.flow.active() {
			return ms.mine.flow.ShortHelp()
		}
		return append(ms.res.ShortHelp(), k.Back)
	}
	var bs []key.Binding
	switch ms.section {
	case mkRequest:
		bs = ms.req.ShortHelp()
	case mkMine:
		bs = ms.mine.ShortHelp()
	case mkOpen:
		bs = ms.open.ShortHelp()
	}
	if ms.holding() {
		return bs
	}
	return append(bs, k.Serve, k.NewRequest, k.MyBounties, k.OpenBounties)
}

func (ms *marketScreen) FullHelp() [][]key.Binding {
	k := ms.s.keys
	return [][]key.Binding{
		{k.NewRequest, k.MyBounties, k.OpenBounties, k.Serve, k.Refresh},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Fund, relabel(k.Cancel, "drop the quote")},
		{relabel(k.Open, "show result"), k.Settle, k.Dispute, k.Accept, relabel(k.Filter, "filter"), k.Back},
		{k.NextField, k.Submit, k.Cancel, k.Yes, k.No},
	}
}

func (ms *marketScreen) fetchServe() tea.Cmd {
	if ms.s.market == nil {
		return nil
	}
	if ms.serveBusy {
		ms.serveMore = true
		return nil
	}
	ms.serveBusy = true
	return serveCmd(ms.s.ctx, ms.s.market, false, false)
}

func (ms *marketScreen) fetchRequests() tea.Cmd {
	if ms.s.market == nil {
		return nil
	}
	if ms.reqBusy {
		ms.reqStale = true
		return nil
	}
	ms.reqBusy = true
	return requestsCmd(ms.s.ctx, ms.s.market)
}

// myBounty reports whether bounty is one the wallet funded (this session,
// or listed as mine).
func (ms *marketScreen) myBounty(bounty wire.Hash) bool {
	if ms.req.funded[bounty] {
		return true
	}
	for _, b := range ms.mine.list {
		if b.ID == bounty && ms.s.isMine(b.Requester) {
			return true
		}
	}
	return false
}

func (ms *marketScreen) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return ms.key(k)
	}
	switch msg := msg.(type) {
	case marketEventsMsg:
		if ms.eventsFailing {
			ms.s.log.Info("market events: subscribed again")
		}
		ms.eventsFailing = false
		return marketWaitCmd(ms.s.ctx, msg.ch)
	case marketEventsFailedMsg:
		if !ms.eventsFailing {
			ms.s.log.Warn("subscribe to market events", "err", msg.err)
		}
		ms.eventsFailing = true
		return marketResubscribeLater()
	case marketEventsClosedMsg:
		if ms.s.ctx.Err() != nil {
			return nil
		}
		return marketResubscribeLater()
	case marketResubscribeMsg:
		return marketSubscribeCmd(ms.s.ctx, ms.s.market)
	case marketEventMsg:
		return tea.Batch(marketWaitCmd(ms.s.ctx, msg.ch), ms.event(msg.ev))
	case eventMsg:
		if ms.active && ms.s.market != nil && msg.ev.Kind == node.EventBlockConnected {
			return tea.Batch(ms.fetchServe(), ms.mine.fetch(), ms.open.refresh())
		}
	case serveKeyMsg:
		if msg.m == nil {
			return nil
		}
		// The market just started: listen to it and read it.
		return tea.Batch(marketSubscribeCmd(ms.s.ctx, msg.m), ms.Activate())
	case serveMsg:
		return ms.gotServe(msg)
	case requestsMsg:
		ms.reqBusy = false
		if msg.err != nil {
			ms.requestsErr = msg.err
		} else {
			ms.requests, ms.requestsErr = msg.list, nil
			ms.req.setRequests(msg.list)
			ms.open.setRequests(msg.list)
		}
		if ms.reqStale {
			ms.reqStale = false
			return ms.fetchRequests()
		}
	case quoteMsg:
		if msg.err == nil && msg.quote != nil {
			ms.open.names[msg.quote.Request] = msg.quote.Expr // names its bounties in the open list
		}
		return ms.req.Update(msg)
	case tableMsg, privateStartedMsg:
		return ms.req.Update(msg)
	case bountiesMsg:
		return tea.Batch(ms.mine.Update(msg), ms.open.Update(msg))
	case relayStatusMsg:
		return ms.mine.Update(msg)
	case takeMsg:
		return ms.open.Update(msg)
	case resultMsg:
		return ms.res.Update(msg)
	case preparedMsg, submittedMsg, txConfirmedMsg:
		return tea.Batch(ms.req.Update(msg), ms.mine.Update(msg))
	case fundedMsg:
		// a bounty funded from the table: it is one of mine now
		return ms.mine.fetch()
	case closedMsg:
		return tea.Batch(ms.mine.fetch(), ms.fetchServe())
	}
	return nil
}

// event acts on one market event.
func (ms *marketScreen) event(ev market.Event) tea.Cmd {
	switch ev.Kind {
	case market.EventOffer:
		return tea.Batch(ms.req.offer(ev.Request), ms.fetchRequests())
	case market.EventJob:
		if msg := privateProgress(ev.State); msg != "" && strings.HasPrefix(ev.State, "private-") {
			if ev.State == "private-"+market.PrivRegistered {
				ms.req.privates[ev.Bounty] = true
			}
			ms.s.info(msg)
			return nil
		}
	}
	switch ev.Kind {
	case market.EventResult:
		if ms.req.privates[ev.Bounty] {
			ms.showResult = true
			ms.s.info("The result of the private settlement arrived: paid through the tumbler, nothing to settle.")
			return ms.res.load(ev.Bounty)
		}
		if !ms.myBounty(ev.Bounty) {
			return ms.mine.fetch()
		}
		cmds := []tea.Cmd{ms.mine.fetch()}
		switch {
		case ms.showResult && ms.res.want == ev.Bounty:
			cmds = append(cmds, ms.res.load(ev.Bounty))
		case ms.active && !ms.holding() && !ms.Capturing():
			ms.showResult = true
			cmds = append(cmds, ms.res.load(ev.Bounty))
			ms.s.info("The result of bounty " + view.Short(ev.Bounty.String(), 12) + " arrived: s settles (pays the worker), d disputes.")
		default:
			ms.s.info("The result of bounty " + view.Short(ev.Bounty.String(), 12) + " arrived: 6, then b and enter on it, shows it.")
		}
		return tea.Batch(cmds...)
	case market.EventJob, market.EventRelay:
		return tea.Batch(ms.mine.fetch(), ms.fetchServe())
	}
	return nil
}

func (ms *marketScreen) gotServe(msg serveMsg) tea.Cmd {
	ms.serveBusy = false
	switch {
	case msg.err != nil && msg.toggled:
		ms.s.log.Warn("serve", "err", msg.err)
		ms.s.fail(serveSentence(msg.err))
	case msg.err != nil:
		ms.serveErr = msg.err
		ms.remoteNone = errors.Is(msg.err, rpc.ErrNoMarket)
	default:
		ms.remoteNone = false
		ms.serve, ms.serveErr = msg.st, nil
		if msg.toggled && msg.st != nil {
			if msg.st.On {
				ms.s.info("Serving compute: offers are signed by " + view.ShortAddr(wire.EncodeAddress(ms.s.net, msg.st.Identity), 24) + ", which is paid.")
			} else {
				ms.s.info("Stopped serving compute: jobs already accepted are still done.")
			}
		}
	}
	if ms.serveMore {
		ms.serveMore = false
		return ms.fetchServe()
	}
	return nil
}

// serveSentence says why serving could not be turned on or off.
func serveSentence(err error) string {
	if errors.Is(err, market.ErrNotServing) {
		return "This node cannot serve compute: it has no serve identity. Start it with --serve (or open the UI on its own embedded node)."
	}
	return sentence(err)
}

func (ms *marketScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	if ms.s.market == nil {
		return nil
	}
	k := ms.s.keys
	if ms.showResult {
		if ms.mine.flow.active() {
			return ms.mine.key(msg)
		}
		switch {
		case key.Matches(msg, k.Back):
			ms.showResult = false
			return nil
		case key.Matches(msg, k.Settle), key.Matches(msg, k.Dispute):
			return ms.mine.startClose(ms.res.want, key.Matches(msg, k.Dispute))
		}
		return ms.res.key(msg)
	}
	if ms.holding() {
		return ms.sectionKey(msg)
	}
	switch {
	case key.Matches(msg, k.Serve):
		if ms.serveBusy {
			return nil
		}
		on := ms.serve == nil || !ms.serve.On
		ms.serveBusy = true
		if on {
			ms.s.info("Turning serving on…")
		} else {
			ms.s.info("Turning serving off…")
		}
		return serveCmd(ms.s.ctx, ms.s.market, true, on)
	case key.Matches(msg, k.NewRequest):
		ms.section = mkRequest
		return tea.Batch(ms.req.focus(), ms.fetchRequests())
	case key.Matches(msg, k.MyBounties) && !ms.Capturing():
		ms.section = mkMine
		return ms.mine.fetch()
	case key.Matches(msg, k.OpenBounties) && !ms.Capturing():
		ms.section = mkOpen
		return tea.Batch(ms.open.fetch(), ms.fetchRequests())
	case key.Matches(msg, k.Refresh):
		return ms.Activate()
	}
	if ms.section == mkMine && key.Matches(msg, k.Open) {
		if b, ok := ms.mine.selected(); ok {
			if !ms.s.isMine(b.Requester) {
				ms.s.fail("Only the requester gets the result: this bounty is a job of yours.")
				return nil
			}
			ms.showResult = true
			return ms.res.load(b.ID)
		}
		return nil
	}
	return ms.sectionKey(msg)
}

func (ms *marketScreen) sectionKey(msg tea.KeyPressMsg) tea.Cmd {
	switch ms.section {
	case mkRequest:
		return ms.req.key(msg)
	case mkMine:
		return ms.mine.key(msg)
	case mkOpen:
		return ms.open.key(msg)
	}
	return nil
}

func (ms *marketScreen) View() string {
	st := ms.s.st
	if ms.s.market == nil && ms.s.marketStarting {
		return view.Lines("\n "+st.Title.Render("Market")+"\n\n "+st.Muted.Render("Starting the market with your account as its serve identity…"), ms.width, ms.height)
	}
	if ms.s.market == nil || ms.remoteNone {
		return view.Lines("\n "+st.Title.Render("Market")+"\n\n "+
			st.Muted.Render(view.Truncate("This node offers no compute market: it runs without the market service.", ms.width-2))+"\n "+
			st.Muted.Render(view.Truncate("Open the UI on its own node (bitverse), or attach it to a node that runs one.", ms.width-2)),
			ms.width, ms.height)
	}
	h := ms.height - marketHead
	var body string
	switch {
	case ms.showResult && ms.mine.flow.shown():
		body = ms.mine.flow.View(ms.mine.review(), ms.width, h)
	case ms.showResult:
		body = ms.res.View()
	case ms.section == mkRequest:
		body = ms.req.View(ms.progress())
	case ms.section == mkMine:
		body = ms.mine.View()
	case ms.section == mkOpen:
		body = ms.open.View()
	}
	head := ms.serveLine() + "\n" + ms.switcher() + "\n"
	return view.Lines(head+"\n"+view.Lines(body, ms.width, h), ms.width, ms.height)
}
