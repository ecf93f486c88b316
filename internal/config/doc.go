// Package config reads the operator's configuration file
// ($XDG_CONFIG_HOME/bitverse/config.toml) against a schema of known keys,
// so that a node's flags need not be repeated on every start.
//
// The file is TOML. Top-level keys are the global settings (network,
// datadir…); the tables [node] and [tui] hold the settings of those
// commands. Every key is named like the flag it stands for. A key that is
// not in the schema, or a value of the wrong type or one its key's check
// refuses, is an *Error naming the file, the line and the key: an operator
// learns of a typo at once rather than running with a default.
//
// The caller resolves precedence (flag > environment > file > default);
// this package only parses the file, names the environment variables
// (EnvName) and writes a commented default file (Template).
package config
