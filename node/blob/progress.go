package blob

import (
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Progress is how far a Fetch of one blob has come, for the CLI and the
// TUI: chunks and bytes held (those held before the fetch started count),
// and the rate at which this fetch has stored bytes.
type Progress struct {
	Chunks  int       // held
	Total   int       // in the blob
	Bytes   uint64    // held
	Size    uint64    // of the blob
	Peers   int       // asked
	From    peer.ID   // the peer whose chunk was stored last ("" before one)
	Started time.Time // when the fetch began
	start   uint64    // Bytes when it began
}

// Rate is the bytes per second this fetch stored, measured up to now.
func (p Progress) Rate(now time.Time) float64 {
	d := now.Sub(p.Started).Seconds()
	if d <= 0 || p.Bytes < p.start {
		return 0
	}
	return float64(p.Bytes-p.start) / d
}

// track registers a fetch of m in the progress table; untrack removes it.
// Two fetches of one blob at once each keep their own entry; the later
// one is shown.
func (svc *Service) track(m Manifest, chunks int, bytes uint64, peers int) *Progress {
	t := &Progress{Chunks: chunks, Total: m.Chunks(), Bytes: bytes, Size: m.Size, Peers: peers,
		Started: time.Now(), start: bytes}
	svc.mu.Lock()
	svc.fetching[string(m.key())] = t
	svc.mu.Unlock()
	return t
}

func (svc *Service) untrack(m Manifest, t *Progress) {
	svc.mu.Lock()
	if svc.fetching[string(m.key())] == t {
		delete(svc.fetching, string(m.key()))
	}
	svc.mu.Unlock()
}

// Progress returns how far the fetch of m running now has come; false if
// none is running.
func (svc *Service) Progress(m Manifest) (Progress, bool) {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	t, ok := svc.fetching[string(m.key())]
	if !ok {
		return Progress{}, false
	}
	return *t, true
}
