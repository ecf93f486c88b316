package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

func walletCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "wallet",
		Short: "Create, restore and use the HD wallet (keys never leave this process)",
	}
	c.AddCommand(walletCreateCmd(), walletRestoreCmd(), walletListCmd(), walletAddressCmd(),
		walletNewAccountCmd(), walletBalanceCmd(), walletSendCmd(), walletHistoryCmd())
	return c
}

func walletCreateCmd() *cobra.Command {
	var words int
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a wallet; prints the mnemonic once — write it down, it is the only backup",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			dir, err := dataDir()
			if err != nil {
				return err
			}
			pass, err := wallet.ReadPassphrase(g.passphraseFile, "New wallet passphrase: ", true)
			if err != nil {
				return err
			}
			w, mnemonic, err := wallet.Create(walletDir(dir), p.Net, pass, words)
			if err != nil {
				return err
			}
			acct, _ := w.Account("")
			if err := os.WriteFile(mineToFile(dir), []byte(acct.Address+"\n"), 0o600); err != nil {
				return err
			}
			return out(map[string]any{"address": acct.Address, "mnemonic": mnemonic, "datadir": dir}, func(o io.Writer) {
				fmt.Fprintf(o, "Wallet created in %s\n\n", walletDir(dir))
				fmt.Fprintf(o, "Your recovery words (the ONLY backup; write them down, keep them secret):\n\n  %s\n\n", mnemonic)
				fmt.Fprintf(o, "First address: %s\n", acct.Address)
				fmt.Fprintf(o, "Mine to it:    bitverse node --mine\n")
			})
		},
	}
	c.Flags().IntVar(&words, "words", 24, "mnemonic length: 12 or 24 words")
	addJSON(c)
	return c
}

func walletRestoreCmd() *cobra.Command {
	var mnemonicFile string
	c := &cobra.Command{
		Use:   "restore",
		Short: "Restore a wallet from its mnemonic (read from --mnemonic-file, $BITVERSE_MNEMONIC, or stdin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			dir, err := dataDir()
			if err != nil {
				return err
			}
			mnemonic, err := readMnemonic(mnemonicFile)
			if err != nil {
				return err
			}
			pass, err := wallet.ReadPassphrase(g.passphraseFile, "New wallet passphrase: ", true)
			if err != nil {
				return err
			}
			w, err := wallet.Restore(walletDir(dir), p.Net, mnemonic, pass)
			if err != nil {
				return err
			}
			acct, _ := w.Account("")
			if err := os.WriteFile(mineToFile(dir), []byte(acct.Address+"\n"), 0o600); err != nil {
				return err
			}
			return out(map[string]any{"address": acct.Address, "accounts": accountsOut(w.Accounts())}, func(o io.Writer) {
				fmt.Fprintf(o, "Wallet restored in %s\nFirst address: %s\n", walletDir(dir), acct.Address)
			})
		},
	}
	c.Flags().StringVar(&mnemonicFile, "mnemonic-file", "", "file holding the recovery words")
	addJSON(c)
	return c
}

func readMnemonic(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read mnemonic file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if m := os.Getenv("BITVERSE_MNEMONIC"); m != "" {
		return strings.TrimSpace(m), nil
	}
	fmt.Fprint(os.Stderr, "Recovery words: ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no recovery words given (use --mnemonic-file or $BITVERSE_MNEMONIC)")
	}
	return strings.TrimSpace(line), nil
}

// openWallet opens the wallet of the data directory, asking the passphrase.
// openAccount opens the wallet and returns it with the account --account
// names (the first by default).
func openAccount() (*wallet.Wallet, wallet.Account, error) {
	w, _, err := openWallet()
	if err != nil {
		return nil, wallet.Account{}, err
	}
	acct, err := w.Account(g.account)
	if err != nil {
		return nil, wallet.Account{}, err
	}
	return w, acct, nil
}

func openWallet() (*wallet.Wallet, wire.Network, error) {
	p, err := params()
	if err != nil {
		return nil, wire.Network{}, err
	}
	dir, err := dataDir()
	if err != nil {
		return nil, p.Net, err
	}
	if !wallet.Exists(walletDir(dir)) {
		return nil, p.Net, fmt.Errorf("no wallet in %s: create one with `bitverse wallet create` or restore one with `bitverse wallet restore`", dir)
	}
	pass, err := wallet.ReadPassphrase(g.passphraseFile, "Wallet passphrase: ", false)
	if err != nil {
		return nil, p.Net, err
	}
	w, err := wallet.Open(walletDir(dir), p.Net, pass)
	return w, p.Net, err
}

func walletListCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List the wallet's accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, _, err := openWallet()
			if err != nil {
				return err
			}
			accts := w.Accounts()
			return out(accountsOut(accts), func(o io.Writer) {
				fmt.Fprintln(o, "NAME\tINDEX\tADDRESS")
				for _, a := range accts {
					fmt.Fprintf(o, "%s\t%d\t%s\n", a.Name, a.Index, a.Address)
				}
			})
		},
	}
	addJSON(c)
	return c
}

// accountOut is an account as --json prints it.
type accountOut struct {
	Name      string `json:"name"`
	Index     uint32 `json:"index"`
	Address   string `json:"address"`
	PublicKey string `json:"public_key"` // x-only, hex
	Path      string `json:"path"`
}

func accountsOut(accts []wallet.Account) []accountOut {
	out := make([]accountOut, len(accts))
	for i, a := range accts {
		out[i] = accountOut{Name: a.Name, Index: a.Index, Address: a.Address, PublicKey: hex.EncodeToString(a.PubKey[:]), Path: a.Path}
	}
	return out
}

func walletNewAccountCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "new-account NAME",
		Short: "Add a named account (the next BIP32 account index)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, _, err := openWallet()
			if err != nil {
				return err
			}
			a, err := w.NewAccount(args[0])
			if err != nil {
				return err
			}
			fmt.Printf("%s\t%s\n", a.Name, a.Address)
			return nil
		},
	}
}

// walletAddress returns the account's address, preferring the plain mine-to
// record for the default account so no passphrase is needed.
func walletAddress() (string, error) {
	if g.account == "" {
		if dir, err := dataDir(); err == nil {
			if b, err := os.ReadFile(mineToFile(dir)); err == nil {
				return strings.TrimSpace(string(b)), nil
			}
		}
	}
	w, _, err := openWallet()
	if err != nil {
		return "", err
	}
	a, err := w.Account(g.account)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}

func walletAddressCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "address",
		Short: "Print the account's receiving address",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := walletAddress()
			if err != nil {
				return err
			}
			return out(map[string]string{"address": addr}, func(o io.Writer) { fmt.Fprintln(o, addr) })
		},
	}
	addJSON(c)
	return c
}

func walletBalanceCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "balance [ADDRESS]",
		Short: "Show the balance of the account (or any address)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var addr string
			var err error
			if len(args) == 1 {
				addr = args[0]
			} else if addr, err = walletAddress(); err != nil {
				return err
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			a, err := cl.Account(cmd.Context(), addr)
			if err != nil {
				return err
			}
			return out(a, func(o io.Writer) {
				kv(o, "address", a.Address)
				kv(o, "balance", bvs(a.Balance))
				kv(o, "immature", bvs(a.Immature)+" (mining rewards not yet spendable)")
				kv(o, "pending txs", a.Pending)
			})
		},
	}
	addJSON(c)
	return c
}

func walletSendCmd() *cobra.Command {
	var f txFlags
	c := &cobra.Command{
		Use:   "send ADDRESS AMOUNT",
		Short: "Send BVS (amount like 1.5, or 150000000u in base units)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			to, err := wire.ParseAddress(p.Net, args[0])
			if err != nil {
				return err
			}
			amount, err := wire.ParseAmount(args[1])
			if err != nil {
				return err
			}
			return sendIntent(cmd.Context(), f, plan.Send{To: to, Amount: amount}, true)
		},
	}
	f.add(c)
	return c
}

func walletHistoryCmd() *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:   "history [ADDRESS]",
		Short: "List the account's transactions, newest first, with confirmations",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var addr string
			var err error
			if len(args) == 1 {
				addr = args[0]
			} else if addr, err = walletAddress(); err != nil {
				return err
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			h, err := cl.History(cmd.Context(), addr, limit)
			if err != nil {
				return err
			}
			return out(h, func(o io.Writer) { printHistory(o, addr, h) })
		},
	}
	c.Flags().IntVar(&limit, "limit", 50, "at most this many")
	addJSON(c)
	return c
}

func printHistory(o io.Writer, addr string, h []node.TxInfo) {
	fmt.Fprintln(o, "WHEN\tTYPE\tAMOUNT\tCONFIRMATIONS\tDETAIL\tTX")
	for _, t := range h {
		amount := ""
		detail := ""
		switch t.Type {
		case "transfer":
			if t.From == addr {
				amount = "-" + bvs(t.Amount+t.Fee)
				detail = "to " + t.To
			} else {
				amount = "+" + bvs(t.Amount)
				detail = "from " + t.From
			}
		case "coinbase":
			amount = "+" + bvs(t.Amount)
			detail = fmt.Sprintf("mined block %d", t.Height)
		case "put":
			amount = "-" + bvs(t.Fee)
			detail = "put " + t.Key
		case "tumble":
			var in, outs uint64
			for _, l := range t.Inputs {
				if l.Address == addr {
					in += l.Amount
				}
			}
			for _, l := range t.Outputs {
				if l.Address == addr {
					outs += l.Amount
				}
			}
			if outs >= in {
				amount = "+" + bvs(outs-in)
			} else {
				amount = "-" + bvs(in-outs)
			}
			detail = fmt.Sprintf("tumble of %d inputs", len(t.Inputs))
		}
		conf := fmt.Sprint(t.Confirmations)
		when := fmtTime(t.Time)
		if t.Pending {
			conf, when = "pending", "-"
		}
		fmt.Fprintf(o, "%s\t%s\t%s\t%s\t%s\t%s\n", when, t.Type, amount, conf, detail, t.ID.Short())
	}
}
