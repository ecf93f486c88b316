package daemon

import (
	"errors"

	"github.com/bitverse/bitverse/tumbler"
)

// RegisterTumbler registers the tumbler (coordinator and participant of
// tumbler rounds) as a component: started after the network and the local
// API, attached to the local API (tumbler_* methods). It needs Config.P2P.
func (d *Daemon) RegisterTumbler(cfg tumbler.Config) error {
	return d.Register("the tumbler", &tumblerPart{d: d, cfg: cfg})
}

type tumblerPart struct {
	d   *Daemon
	cfg tumbler.Config
}

func (c *tumblerPart) Start() error {
	d := c.d
	if d.host == nil {
		return errors.New("the tumbler needs the network: start the node with networking on")
	}
	svc, err := tumbler.New(c.cfg, tumbler.Deps{Net: d.cfg.Params.Net, Host: d.host.LibP2P(),
		Chain: tumbler.NodeChain(d.node, d.cfg.Params.Net), Log: d.cfg.Log, Now: d.cfg.Now, Dir: d.node.DataDir()})
	if err != nil {
		return err
	}
	if err := svc.Start(); err != nil {
		return err
	}
	d.mu2.Lock()
	d.tumbler = svc
	d.mu2.Unlock()
	if d.rpc != nil {
		d.rpc.SetTumbler(svc)
	}
	return nil
}

func (c *tumblerPart) Stop() error {
	d := c.d
	if d.rpc != nil {
		d.rpc.SetTumbler(nil)
	}
	d.mu2.Lock()
	svc := d.tumbler
	d.tumbler = nil
	d.mu2.Unlock()
	if svc == nil {
		return nil
	}
	return svc.Stop()
}

// Tumbler returns the tumbler service (nil unless RegisterTumbler was
// called and the daemon runs).
func (d *Daemon) Tumbler() *tumbler.Service {
	d.mu2.Lock()
	defer d.mu2.Unlock()
	return d.tumbler
}
