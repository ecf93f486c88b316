// Package keymap is the one place where the terminal UI binds keys. Screens
// match keys with key.Matches against these bindings and list them in their
// help, so what the help shows is exactly what the keys do.
package keymap

import "charm.land/bubbles/v2/key"

// KeyMap groups the bindings by where they apply.
type KeyMap struct {
	// Everywhere (ignored while a text field has focus, except ForceQuit).
	Quit         key.Binding
	ForceQuit    key.Binding
	Help         key.Binding
	NextTab      key.Binding
	PrevTab      key.Binding
	Home         key.Binding
	Blocktree    key.Binding
	Mining       key.Binding
	Wallet       key.Binding
	Data         key.Binding
	Market       key.Binding
	ToggleMining key.Binding
	// ToggleRelay turns relaying on or off (the Mining screen).
	ToggleRelay key.Binding
	// Explore opens the Explore page (the Home screen).
	Explore key.Binding

	// Lists. Move is for the short help only: it shows Up and Down as one.
	Move     key.Binding
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Open     key.Binding
	Back     key.Binding

	// Forms and dialogs.
	NextField key.Binding
	PrevField key.Binding
	Submit    key.Binding
	Cancel    key.Binding
	Yes       key.Binding
	No        key.Binding

	// Wallet.
	Receive    key.Binding
	Send       key.Binding
	History    key.Binding
	NewAccount key.Binding

	// Data.
	Filter  key.Binding
	Put     key.Binding
	GetKey  key.Binding
	More    key.Binding
	Refresh key.Binding
	// The depth field of the put form.
	Deeper    key.Binding
	Shallower key.Binding

	// Keyspaces (in the data screen).
	Keyspaces  key.Binding // switches between keys and keyspaces
	Buy        key.Binding
	EditScript key.Binding
	OpenSpace  key.Binding
	JoinPool   key.Binding // join the pool of the value viewed

	// Market.
	NewRequest   key.Binding // focus the request box
	MyBounties   key.Binding // my bounties and jobs
	OpenBounties key.Binding // open bounties to browse
	Serve        key.Binding
	Settle       key.Binding
	Dispute      key.Binding
	Accept       key.Binding
	Fund         key.Binding
	Private      key.Binding // the request form's "settle privately" checkbox

	// Tumbler.
	Tumbler      key.Binding // the screen
	TumbleRounds key.Binding // open and recent rounds
	TumbleMine   key.Binding // my registrations
	Sign         key.Binding // co-sign the reviewed batch
	PayFrom      key.Binding // another account pays the join

	// Setup.
	Create  key.Binding
	Restore key.Binding
}

// Default returns the key map.
func Default() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Quit:         b([]string{"q"}, "q", "quit"),
		ForceQuit:    b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Help:         b([]string{"?"}, "?", "help"),
		NextTab:      b([]string{"tab"}, "tab", "next screen"),
		PrevTab:      b([]string{"shift+tab"}, "shift+tab", "previous screen"),
		Home:         b([]string{"1"}, "1", "home"),
		Blocktree:    b([]string{"2"}, "2", "blocktree"),
		Mining:       b([]string{"3"}, "3", "mining"),
		Wallet:       b([]string{"4"}, "4", "wallet"),
		Data:         b([]string{"5"}, "5", "keyspaces & data"),
		Market:       b([]string{"6"}, "6", "market"),
		ToggleMining: b([]string{"m"}, "m", "start/stop mining"),
		ToggleRelay:  b([]string{"R"}, "R", "relaying on/off"),
		Explore:      b([]string{"x"}, "x", "explore"),

		Move:     b([]string{"up", "down"}, "↑/↓", "move"),
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g/home", "newest"),
		Bottom:   b([]string{"end", "G"}, "G/end", "oldest"),
		Open:     b([]string{"enter", "right"}, "enter", "open"),
		Back:     b([]string{"esc", "backspace", "left"}, "esc", "back"),

		NextField: b([]string{"tab", "down"}, "tab", "next field"),
		PrevField: b([]string{"shift+tab", "up"}, "shift+tab", "previous field"),
		Submit:    b([]string{"enter"}, "enter", "continue"),
		Cancel:    b([]string{"esc"}, "esc", "cancel"),
		Yes:       b([]string{"y", "Y"}, "y", "yes"),
		No:        b([]string{"n", "N", "esc"}, "n", "no"),

		Receive:    b([]string{"r"}, "r", "receive"),
		Send:       b([]string{"s"}, "s", "send"),
		History:    b([]string{"h"}, "h", "history"),
		NewAccount: b([]string{"a"}, "a", "new account"),

		Filter:    b([]string{"/"}, "/", "prefix"),
		Put:       b([]string{"p"}, "p", "put"),
		GetKey:    b([]string{"o"}, "o", "open key"),
		More:      b([]string{"n"}, "n", "more keys"),
		Refresh:   b([]string{"ctrl+r"}, "ctrl+r", "refresh"),
		Deeper:    b([]string{"+", "=", "right"}, "+/→", "deeper"),
		Shallower: b([]string{"-", "left"}, "-/←", "shallower"),

		Keyspaces:  b([]string{"K"}, "K", "keyspaces"),
		Buy:        b([]string{"b"}, "b", "buy"),
		EditScript: b([]string{"e"}, "e", "edit script"),
		OpenSpace:  b([]string{"o"}, "o", "look up"),
		JoinPool:   b([]string{"J"}, "J", "join its pool"),

		NewRequest:   b([]string{"r"}, "r", "request"),
		MyBounties:   b([]string{"b"}, "b", "my bounties"),
		OpenBounties: b([]string{"o"}, "o", "open bounties"),
		Serve:        b([]string{"S"}, "S", "serve on/off"),
		Settle:       b([]string{"s"}, "s", "settle"),
		Dispute:      b([]string{"d"}, "d", "dispute"),
		Accept:       b([]string{"a"}, "a", "accept"),
		Fund:         b([]string{"enter"}, "enter", "fund row"),
		Private:      b([]string{"p"}, "p", "settle privately"),

		Tumbler:      b([]string{"7"}, "7", "tumbler"),
		TumbleRounds: b([]string{"o"}, "o", "rounds"),
		TumbleMine:   b([]string{"r"}, "r", "my registrations"),
		Sign:         b([]string{"s"}, "s", "co-sign"),
		PayFrom:      b([]string{"a"}, "a", "pay from another account"),

		Create:  b([]string{"c"}, "c", "create a wallet"),
		Restore: b([]string{"r"}, "r", "restore from mnemonic"),
	}
}

// Global is the help group that every screen shares.
func (k KeyMap) Global() []key.Binding {
	return []key.Binding{k.NextTab, k.Home, k.Blocktree, k.Mining, k.Wallet, k.Data, k.Market, k.Tumbler, k.ToggleMining, k.Help, k.Quit}
}

// ListKeys are the bindings of a scrolling list.
func (k KeyMap) ListKeys() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}
