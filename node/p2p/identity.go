package p2p

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// LoadIdentity reads the host's identity key from dir/KeyFile, creating
// (and saving, mode 0600) a new Ed25519 key on first use. The key fixes the
// peer id, so a node keeps its id across restarts.
func LoadIdentity(dir string) (crypto.PrivKey, peer.ID, error) {
	path := filepath.Join(dir, KeyFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, _, gerr := crypto.GenerateEd25519Key(nil)
		if gerr != nil {
			return nil, "", fmt.Errorf("generate p2p identity: %w", gerr)
		}
		raw, err = crypto.MarshalPrivateKey(k)
		if err != nil {
			return nil, "", err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", fmt.Errorf("create data directory: %w", err)
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, raw, 0o600); err != nil {
			return nil, "", fmt.Errorf("save p2p identity: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, "", fmt.Errorf("save p2p identity: %w", err)
		}
	} else if err != nil {
		return nil, "", fmt.Errorf("read p2p identity %s: %w", path, err)
	}
	k, err := crypto.UnmarshalPrivateKey(raw)
	if err != nil {
		return nil, "", fmt.Errorf("p2p identity %s is damaged (delete it to get a new peer id): %w", path, err)
	}
	id, err := peer.IDFromPrivateKey(k)
	if err != nil {
		return nil, "", err
	}
	return k, id, nil
}
