package daemon

import (
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/tumbler"
)

// TestTumblerComponentRunsAndStops: the tumbler starts after the local
// API, is attached to it and detached before it stops; without the
// network it refuses to start with a sentence.
func TestTumblerComponentRunsAndStops(t *testing.T) {
	d, err := New(full(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RegisterTumbler(tumbler.Config{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if d.Tumbler() == nil {
		t.Fatal("no tumbler after start")
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if d.Tumbler() != nil {
		t.Fatal("tumbler kept after stop")
	}

	alone, err := New(Config{DataDir: t.TempDir(), Params: consensus.Regtest(), InProcessScripts: true})
	if err != nil {
		t.Fatal(err)
	}
	alone.RegisterTumbler(tumbler.Config{})
	err = alone.Start()
	if err == nil || !strings.Contains(err.Error(), "the tumbler needs the network") {
		t.Fatalf("start without network: %v", err)
	}
}
