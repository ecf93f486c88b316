package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
)

// These tests check the resolved listen set only: no test binds a
// non-loopback address.

// TestNodeListensOnEveryInterfaceByDefault: `node` with no --listen and no
// --loopback listens on every interface, TCP and QUIC, IPv4 and IPv6, on
// the network's own port.
func TestNodeListensOnEveryInterfaceByDefault(t *testing.T) {
	for _, c := range []struct {
		net  wire.Network
		port string
	}{{wire.Devnet, "27480"}, {wire.Testnet, "17480"}, {wire.Mainnet, "7480"}} {
		got, err := resolveListen(c.net, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"/ip4/0.0.0.0/tcp/" + c.port, "/ip4/0.0.0.0/udp/" + c.port + "/quic-v1", "/ip6/::/tcp/" + c.port, "/ip6/::/udp/" + c.port + "/quic-v1"}
		if !slices.Equal(got, want) {
			t.Errorf("%s: listens on %v, want %v", c.net.Name, got, want)
		}
	}
	if f := nodeCmd().Flags().Lookup("loopback"); f == nil || f.DefValue != "false" {
		t.Fatalf("node has no --loopback flag defaulting to off: %+v", f)
	}
}

// TestLoopbackListensOn127Only: --loopback listens on 127.0.0.1 on ports
// the OS picks; with --listen, every address must then be loopback.
func TestLoopbackListensOn127Only(t *testing.T) {
	got, err := resolveListen(wire.Devnet, nil, true)
	if err != nil || len(got) == 0 {
		t.Fatalf("%v, %v", got, err)
	}
	for _, a := range got {
		if !p2p.IsLoopbackAddr(a) || !strings.Contains(a, "/0") {
			t.Errorf("--loopback listens on %s", a)
		}
	}
	if got, err := resolveListen(wire.Devnet, []string{"127.0.0.1:4001"}, true); err != nil || !slices.Equal(got, []string{"/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/udp/4001/quic-v1"}) {
		t.Errorf("--loopback --listen 127.0.0.1:4001: %v, %v", got, err)
	}
	if _, err := resolveListen(wire.Devnet, []string{"/ip4/0.0.0.0/tcp/4001"}, true); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("--loopback with a public --listen: %v", err)
	}
	// --listen alone is taken as given.
	if got, err := resolveListen(wire.Devnet, []string{"/ip4/0.0.0.0/tcp/4001"}, false); err != nil || !slices.Equal(got, []string{"/ip4/0.0.0.0/tcp/4001"}) {
		t.Errorf("--listen /ip4/0.0.0.0/tcp/4001: %v, %v", got, err)
	}
}

// TestTUIEmbeddedNodeListensOnLoopback: the TUI's embedded node stays on
// 127.0.0.1, whatever its other flags.
func TestTUIEmbeddedNodeListensOnLoopback(t *testing.T) {
	for _, f := range []tuiFlags{{}, {noMDNS: true, follow: "01"}} {
		e := f.embedded()
		got, err := resolveListen(wire.Devnet, e.listen, e.loopback)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range got {
			if !p2p.IsLoopbackAddr(a) {
				t.Errorf("embedded node (%+v) listens on %s", f, a)
			}
		}
	}
}

// TestDevnetNodesListenOnLoopback: `bitverse devnet` gives every node
// explicit 127.0.0.1 addresses.
func TestDevnetNodesListenOnLoopback(t *testing.T) {
	plan, err := p2p.DevnetPlan(t.TempDir(), 3, 40100)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range plan {
		for _, a := range n.Listen {
			if !p2p.IsLoopbackAddr(a) {
				t.Errorf("%s listens on %s", n.Dir, a)
			}
		}
	}
}

// TestNodeNetworkConfigByDefault: `node` with no flags listens publicly,
// looks for peers on the LAN (mDNS) and dials the network's seed list;
// --no-mdns and --bootstrap do what they say.
func TestNodeNetworkConfigByDefault(t *testing.T) {
	c := nodeCmd()
	if err := c.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	var f nodeFlags
	f.noMDNS, _ = c.Flags().GetBool("no-mdns")
	pc, err := p2pConfig(f, wire.Devnet, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pc.DisableMDNS || pc.DisableDHT || !slices.Equal(pc.Listen, p2p.PublicListen(27480)) || !slices.Equal(pc.Bootstrap, p2p.Seeds(wire.Devnet)) {
		t.Fatalf("default network config: %+v", pc)
	}
	const a = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWGzBkvZDbMmRLCnxS3MUKVS7gtM8KRyBK4ZB4XyBLCAbv"
	pc, err = p2pConfig(nodeFlags{noMDNS: true, loopback: true, bootstrap: []string{a, a}}, wire.Devnet, t.TempDir(), nil)
	if err != nil || !pc.DisableMDNS || !slices.Equal(pc.Bootstrap, []string{a}) || !slices.Equal(pc.Listen, p2p.DefaultListen) {
		t.Fatalf("--no-mdns --loopback --bootstrap: %+v, %v", pc, err)
	}
}
