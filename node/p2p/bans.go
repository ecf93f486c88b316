package p2p

import (
	"encoding/binary"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node/store"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.etcd.io/bbolt"
)

// Keys in the store.Peers bucket: "ban/" + peer id bytes → until (unix ms,
// 8 bytes) ‖ reason; "addr/" + peer id bytes → known addresses, one per line
// (the peers this node was told to add and the ones it last talked to).
var (
	banPrefix  = []byte("ban/")
	addrPrefix = []byte("addr/")
)

// BanInfo describes one ban.
type BanInfo struct {
	ID     string    `json:"id"`
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
}

// banList holds the bans in memory and in the database. Safe for
// concurrent use. A ban is in force as soon as add returns; writing it is
// queued, and one flusher at a time commits everything queued in one
// transaction, so a storm of bans costs a few fsyncs, not one each.
type banList struct {
	db  *bbolt.DB
	now func() time.Time
	mu  sync.RWMutex
	m   map[peer.ID]BanInfo

	wmu      sync.Mutex
	idle     *sync.Cond // on wmu: flushing became false
	pending  map[peer.ID]*BanInfo
	flushing bool
	commits  int // transactions committed (tests)
	lastErr  error
}

func loadBans(db *bbolt.DB, now func() time.Time) (*banList, error) {
	b := &banList{db: db, now: now, m: map[peer.ID]BanInfo{}, pending: map[peer.ID]*BanInfo{}}
	b.idle = sync.NewCond(&b.wmu)
	var expired [][]byte
	err := db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(store.Peers).Cursor()
		for k, v := c.Seek(banPrefix); k != nil && strings.HasPrefix(string(k), string(banPrefix)); k, v = c.Next() {
			id, err := peer.IDFromBytes(k[len(banPrefix):])
			if err != nil || len(v) < 8 {
				expired = append(expired, append([]byte(nil), k...))
				continue
			}
			until := time.UnixMilli(int64(binary.BigEndian.Uint64(v)))
			if !until.After(now()) {
				expired = append(expired, append([]byte(nil), k...))
				continue
			}
			b.m[id] = BanInfo{ID: id.String(), Until: until, Reason: string(v[8:])}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(expired) > 0 {
		db.Update(func(tx *bbolt.Tx) error {
			for _, k := range expired {
				tx.Bucket(store.Peers).Delete(k)
			}
			return nil
		})
	}
	return b, nil
}

func banKey(id peer.ID) []byte { return append(append([]byte(nil), banPrefix...), []byte(id)...) }

// add bans id until now+d and queues the write. A longer existing ban stays.
func (b *banList) add(id peer.ID, d time.Duration, reason string) BanInfo {
	until := b.now().Add(d)
	b.mu.Lock()
	if old, ok := b.m[id]; ok && old.Until.After(until) {
		b.mu.Unlock()
		return old
	}
	info := BanInfo{ID: id.String(), Until: until, Reason: reason}
	b.m[id] = info
	b.mu.Unlock()
	b.queue(id, &info)
	return info
}

// remove lifts a ban and waits until that is written; it reports whether
// there was one.
func (b *banList) remove(id peer.ID) (bool, error) {
	b.mu.Lock()
	_, ok := b.m[id]
	delete(b.m, id)
	b.mu.Unlock()
	b.queue(id, nil)
	return ok, b.flush()
}

// queue records a write (nil: delete) and starts the flusher if none runs.
func (b *banList) queue(id peer.ID, info *BanInfo) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.pending[id] = info
	if !b.flushing {
		b.flushing = true
		go b.flushLoop()
	}
}

// flushLoop commits what is queued, in one transaction a round, until
// nothing is.
func (b *banList) flushLoop() {
	b.wmu.Lock()
	for len(b.pending) > 0 {
		batch := b.pending
		b.pending = map[peer.ID]*BanInfo{}
		b.wmu.Unlock()
		err := b.db.Update(func(tx *bbolt.Tx) error {
			bk := tx.Bucket(store.Peers)
			for id, info := range batch {
				if info == nil {
					if err := bk.Delete(banKey(id)); err != nil {
						return err
					}
					continue
				}
				v := binary.BigEndian.AppendUint64(nil, uint64(info.Until.UnixMilli()))
				if err := bk.Put(banKey(id), append(v, info.Reason...)); err != nil {
					return err
				}
			}
			return nil
		})
		b.wmu.Lock()
		b.commits++
		b.lastErr = err
	}
	b.flushing = false
	b.idle.Broadcast()
	b.wmu.Unlock()
}

// flush waits until everything queued is written and returns the last
// commit's error.
func (b *banList) flush() error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	for b.flushing {
		b.idle.Wait()
	}
	return b.lastErr
}

// banned reports whether id is banned now.
func (b *banList) banned(id peer.ID) (BanInfo, bool) {
	b.mu.RLock()
	info, ok := b.m[id]
	b.mu.RUnlock()
	if !ok {
		return BanInfo{}, false
	}
	if !info.Until.After(b.now()) {
		b.mu.Lock()
		if cur, ok := b.m[id]; ok && cur.Until == info.Until {
			delete(b.m, id)
		}
		b.mu.Unlock()
		return BanInfo{}, false
	}
	return info, true
}

// list returns the bans in force, soonest to expire first.
func (b *banList) list() []BanInfo {
	now := b.now()
	b.mu.RLock()
	out := make([]BanInfo, 0, len(b.m))
	for _, info := range b.m {
		if info.Until.After(now) {
			out = append(out, info)
		}
	}
	b.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Until.Before(out[j].Until) })
	return out
}

// Add and Contains make the ban list a pubsub Blacklist: messages from a
// banned peer are dropped before validation.
func (b *banList) Add(peer.ID) bool { return true }

// Contains implements pubsub.Blacklist.
func (b *banList) Contains(id peer.ID) bool { _, ok := b.banned(id); return ok }

// knownAddrs returns the remembered addresses of peers, by peer.
func knownAddrs(db *bbolt.DB) map[peer.ID][]string {
	out := map[peer.ID][]string{}
	db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(store.Peers).Cursor()
		for k, v := c.Seek(addrPrefix); k != nil && strings.HasPrefix(string(k), string(addrPrefix)); k, v = c.Next() {
			id, err := peer.IDFromBytes(k[len(addrPrefix):])
			if err != nil {
				continue
			}
			out[id] = strings.Split(string(v), "\n")
		}
		return nil
	})
	return out
}

// rememberAddrs records a peer's addresses, keeping at most maxKnown peers.
func rememberAddrs(db *bbolt.DB, id peer.ID, addrs []string, maxKnown int) error {
	if len(addrs) == 0 {
		return nil
	}
	k := append(append([]byte(nil), addrPrefix...), []byte(id)...)
	return db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(store.Peers)
		if b.Get(k) == nil {
			n := 0
			c := b.Cursor()
			var first []byte
			for ck, _ := c.Seek(addrPrefix); ck != nil && strings.HasPrefix(string(ck), string(addrPrefix)); ck, _ = c.Next() {
				if first == nil {
					first = append([]byte(nil), ck...)
				}
				n++
			}
			if n >= maxKnown && first != nil {
				b.Delete(first)
			}
		}
		return b.Put(k, []byte(strings.Join(addrs, "\n")))
	})
}
