package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/logfile"
	"github.com/bitverse/bitverse/tumbler"
	"github.com/bitverse/bitverse/wallet"
)

// Options configure the UI.
type Options struct {
	API    node.API   // embedded *node.Node or an rpc.Client
	Market market.API // the market service, in process or over the local API; nil: none
	// Tumbler is the tumbler service, in process or over the local API;
	// nil: none (the tumbler screen says how to start one).
	Tumbler tumbler.API
	// ServeKey, when set, is given the key of the wallet's first account
	// once the wallet is open (from a command, never from Update): the
	// embedded node starts its market with it as the serve identity and
	// returns it (nil: keep Market).
	ServeKey  func(wire.PrivKey) (market.API, error)
	Params    *consensus.Params // the network's consensus parameters
	WalletDir string            // where wallet.json lives (create/restore/open happen inside the TUI)
	DataDir   string            // tui.log is written here
	Now       func() time.Time  // injected clock (tests); nil means time.Now
	Version   string
}

// deps are what tests replace: the wallet store, the randomness that picks
// the mnemonic words to confirm, the status poll interval, the logger, a
// passphrase from the environment and how the script editor runs.
type deps struct {
	wallets walletStore
	rand    *rand.Rand
	poll    time.Duration
	log     *slog.Logger
	envPass []byte
	ctx     context.Context
	// exec runs the script editor with the terminal (runEditor).
	exec func(*exec.Cmd, tea.ExecCallback) tea.Cmd
}

func defaultDeps() deps {
	return deps{
		wallets: realWallets{},
		rand:    rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		poll:    time.Second,
		log:     slog.New(slog.DiscardHandler),
		ctx:     context.Background(),
		exec:    runEditor,
	}
}

// New returns the root model, for teatest and for embedding. It does no I/O:
// the first commands it returns from Init look for the wallet, subscribe to
// the node's events and fetch its status.
func New(opts Options) tea.Model {
	return newApp(opts, defaultDeps())
}

// Run runs the UI on the terminal until the user quits or ctx ends. Logs go
// to DataDir/tui.log; nothing is ever written to the terminal but the UI.
func Run(ctx context.Context, opts Options) error {
	if opts.API == nil {
		return errors.New("tui: no node API")
	}
	d := defaultDeps()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.ctx = ctx
	if opts.DataDir != "" {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		f, err := os.OpenFile(filepath.Join(opts.DataDir, "tui.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("open the UI log: %w", err)
		}
		defer f.Close()
		lw := logfile.New(f, 1024)
		defer lw.Close()
		d.log = slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if p := os.Getenv(wallet.PassphraseEnv); p != "" {
		d.envPass = []byte(p)
	}
	m := newApp(opts, d)
	d.log.Info("tui start", "version", opts.Version, "wallet", opts.WalletDir)
	p := tea.NewProgram(m, tea.WithContext(ctx))
	final, err := p.Run()
	if a, ok := final.(*app); ok && a.s.wallet != nil {
		a.s.wallet.Close()
	}
	d.log.Info("tui stop", "err", err)
	switch {
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return nil // the caller cancelled: a normal way to stop
	case errors.Is(err, tea.ErrInterrupted):
		return nil // SIGINT from outside: the same as quitting
	}
	return err
}
