package tui

import (
	"context"
	"errors"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
)

// errNoRow: Private names a worker with no row in the request's table.
var errNoRow = errors.New("no offer from that worker")

// Private implements market.API: it records the options and starts a job.
func (f *fakeMarket) Private(ctx context.Context, o market.PrivateOptions) (*market.PrivateJob, error) {
	if err := f.wait(ctx, "market.Private"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tables[o.Request]
	if t == nil {
		return nil, errNoRow
	}
	for _, r := range t.Rows {
		if r.Worker == o.Worker {
			k, err := wire.PrivKeyFromBytes(o.Secret)
			if err != nil {
				return nil, err
			}
			j := market.PrivateJob{Request: o.Request, Worker: o.Worker, Input: k.PubKey(), Price: r.Price, State: market.PrivWaiting}
			f.privates = append(f.privates, j)
			return &j, nil
		}
	}
	return nil, errNoRow
}

// PrivateJobs implements market.API.
func (f *fakeMarket) PrivateJobs(ctx context.Context) ([]market.PrivateJob, error) {
	if err := f.wait(ctx, "market.PrivateJobs"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]market.PrivateJob(nil), f.privates...), nil
}
