package node

import (
	"context"
	"errors"

	"github.com/bitverse/bitverse/node/wire"
)

// API is what a face (CLI, TUI) needs from a node. *Node implements it in
// process; rpc.Client implements it over the local authenticated API.
type API interface {
	Status(ctx context.Context) (Status, error)
	Account(ctx context.Context, addr string) (AccountInfo, error)
	SubmitTx(ctx context.Context, raw []byte) (wire.Hash, error)
	Get(ctx context.Context, key string, proof, history bool) (*GetResult, error)
	// GetOn reads key on the chain of its path at depth (-1: the
	// shallowest stored chain that has it).
	GetOn(ctx context.Context, key string, depth int, proof, history bool) (*GetResult, error)
	// Credit is an address's write credit on a branch chain.
	Credit(ctx context.Context, addr, chain string) (*CreditInfo, error)
	Keys(ctx context.Context, prefix, after string, limit int) ([]string, error)
	Block(ctx context.Context, ref string) (*BlockInfo, error)
	Blocks(ctx context.Context, top uint64, count int) ([]BlockInfo, error)
	// BlockOn and BlocksOn read the blocks of any chain ("/", "0", "01"…):
	// in full where the node stores the chain, else their headers
	// (HeadersOnly); Block and Blocks read the root's. Tx finds a
	// transaction on any stored chain.
	BlockOn(ctx context.Context, chain, ref string) (*BlockInfo, error)
	BlocksOn(ctx context.Context, chain string, top uint64, count int) ([]BlockInfo, error)
	Tx(ctx context.Context, id wire.Hash) (*TxInfo, error)
	History(ctx context.Context, addr string, limit int) ([]TxInfo, error)
	SetMining(ctx context.Context, on bool, to string) error
	Events(ctx context.Context) (<-chan Event, error)
	// Keyspace describes a keyspace (Exists false and its price if nobody
	// owns it); Keyspaces lists those an address owns.
	Keyspace(ctx context.Context, name string) (*KeyspaceInfo, error)
	Keyspaces(ctx context.Context, owner string) ([]KeyspaceInfo, error)
	// Tree lists the chains of the blocktree the node holds.
	Tree(ctx context.Context) (Tree, error)

	// The market's on-chain half: a bounty by ID (ErrNotFound if none),
	// bounties newest first, and an identity's reputation record (an
	// address or hex public key; a zero record if it has none).
	Bounty(ctx context.Context, id wire.Hash) (*BountyInfo, error)
	Bounties(ctx context.Context, f BountyFilter) ([]BountyInfo, error)
	Reputation(ctx context.Context, id string) (*ReputationInfo, error)

	// Payouts is what root checkpoints pay addr for the branch blocks it
	// mined, matured, pending and voided, per chain (root coinbases are
	// in History).
	Payouts(ctx context.Context, addr string) (*PayoutInfo, error)
	// FetchBlock is BlockOn, except that a block of a chain the node keeps
	// as headers only is fetched from a peer storing it and checked
	// against the header the node verified (FromPeer says who sent it).
	FetchBlock(ctx context.Context, chain, ref string) (*BlockInfo, error)

	// Relay is a relay's registry record (id: an address or hex public
	// key; ErrNotFound if it never registered); Relays lists registered
	// relays in public-key order, at most limit (0: 100) of them.
	Relay(ctx context.Context, id string) (*RelayInfo, error)
	Relays(ctx context.Context, limit int) ([]RelayInfo, error)

	// Explore lists what this node has verified that is worth a look:
	// keyspaces, recent writes, transforms, open bounties and busy
	// branches (see Node.Explore for what it reads). Find matches text
	// against keyspace names, key names and transform descriptions.
	// AllKeyspaces pages through every keyspace in name order.
	Explore(ctx context.Context, o ExploreOptions) (*Explore, error)
	Find(ctx context.Context, text string, limit int) ([]FindResult, error)
	AllKeyspaces(ctx context.Context, after string, limit int) (*KeyspacePage, error)

	// Pool is an availability pool (ErrNotFound if there is none with
	// that ID); Pools lists pools by target key, by member or all, in ID
	// order; PoolChallenges lists a member's open challenges (drawn, not
	// yet past their deadline); Tokens lists the service tokens an
	// account (address or hex public key) holds, per pool.
	Pool(ctx context.Context, id wire.Hash) (*PoolInfo, error)
	Pools(ctx context.Context, f PoolFilter) ([]PoolInfo, error)
	PoolChallenges(ctx context.Context, member wire.PubKey) ([]ChallengeInfo, error)
	Tokens(ctx context.Context, holder string) ([]TokenInfo, error)
}

// Errors of the API.
var (
	ErrNotFound   = errors.New("not found")
	ErrBadRequest = errors.New("bad request")
	ErrNoMineTo   = errors.New("no address to mine to: create a wallet first (bitverse wallet create) or pass --mine-to ADDRESS")
)
