package config

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/eddy-streaming/eddy/internal/auth"
)

// Auth configures SigV4 authentication of API requests
// (docs/security.md). Off by default: any well-formed signature with any
// key is accepted, as local emulators do.
type Auth struct {
	// Enabled turns verification on: every request must be signed by one
	// of Keys. Default false.
	Enabled bool `yaml:"enabled"`
	// RejectReplays refuses a signed request whose signature was already
	// accepted (AWS accepts it again within its 5-minute window). Default
	// false.
	RejectReplays bool `yaml:"reject_replays"`
	// Keys are the accepted access keys, each mapped to a principal that
	// resource policies name. Validated even when Enabled is false.
	Keys []auth.Key `yaml:"keys"`
}

// TLS holds TLS requirements; the certificate itself is TLSCert and
// TLSKey.
type TLS struct {
	// Require refuses to start without TLSCert and TLSKey, so that a
	// configuration mistake cannot serve in clear. Default false.
	Require bool `yaml:"require"`
}

// Encryption configures encryption at rest.
type Encryption struct {
	// Keyring is the keyring file holding the master keys of encrypted
	// streams (docs/format/keyring.md). Empty means
	// <data_dir>/keyring.json.
	Keyring string `yaml:"keyring"`
}

// keyringFile is the keyring's name in the data directory by default.
const keyringFile = "keyring.json"

// KeyringPath returns the keyring file: Encryption.Keyring, or
// keyring.json in the data directory.
func (c Config) KeyringPath() string {
	if c.Encryption.Keyring != "" {
		return c.Encryption.Keyring
	}
	return filepath.Join(c.DataDir, keyringFile)
}

// validateSecurity reports the problems of the auth, tls and encryption
// settings.
func (c Config) validateSecurity() []error {
	var errs []error
	if c.Auth.Enabled && len(c.Auth.Keys) == 0 {
		errs = append(errs, fmt.Errorf("auth.keys: at least one key is needed when auth.enabled is true"))
	}
	for _, err := range auth.ValidateKeys(c.Auth.Keys) {
		errs = append(errs, fmt.Errorf("auth.%w", err))
	}
	if c.TLS.Require && (c.TLSCert == "" || c.TLSKey == "") {
		errs = append(errs, fmt.Errorf("tls.require: needs tls_cert and tls_key"))
	}
	if c.Encryption.Keyring == "" && c.DataDir == "" {
		errs = append(errs, fmt.Errorf("encryption.keyring: needs a path when data_dir is empty"))
	}
	return errs
}

// Warnings returns what is valid but probably not meant: keys configured
// while authentication is off.
func (c Config) Warnings() []string {
	var out []string
	if !c.Auth.Enabled && len(c.Auth.Keys) > 0 {
		out = append(out, "auth.keys are configured but auth.enabled is false: requests are not authenticated")
	}
	return out
}

// FileWarnings returns warnings about the config file at path given the
// configuration it holds: a file with secret keys should be readable by
// its owner only.
func FileWarnings(path string, c Config) []string {
	if len(c.Auth.Keys) == 0 {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return []string{fmt.Sprintf("config file %s holds secret keys but its mode is %04o: chmod 600 it", path, perm)}
	}
	return nil
}
