package wallet

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Exists reports whether dir holds a wallet file.
func Exists(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, fileName))
	return err == nil
}

// readFile reads at most maxFileSize+1 bytes, so a huge file is rejected
// without being read whole.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxFileSize+1))
}

// writeFile writes the keystore atomically: a temporary file in dir is
// written, synced and then renamed over (or, when exclusive, linked to) the
// wallet file, and the directory is synced. With exclusive, an existing
// wallet file is never replaced.
func writeFile(dir string, data []byte, exclusive bool) error {
	final := filepath.Join(dir, fileName)
	tmp, err := os.CreateTemp(dir, ".wallet-*.tmp")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a rename or link this is a no-op or drops the extra name
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if exclusive {
		if err := os.Link(tmpName, final); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return errExists(dir)
			}
			// A file system without hard links: check, then rename.
			if Exists(dir) {
				return errExists(dir)
			}
			if err := os.Rename(tmpName, final); err != nil {
				return err
			}
		}
	} else if err := os.Rename(tmpName, final); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
