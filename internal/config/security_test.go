package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/auth"
)

func TestSecurityParse(t *testing.T) {
	c, err := Parse([]byte(`
data_dir: /var/lib/eddy
auth:
  enabled: true
  reject_replays: true
  keys:
    - access_key_id: AKIAEXAMPLE
      secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
      principal: alice
    - access_key_id: AKIAPARTNER
      secret_access_key: 0123456789abcdef0123
      principal: partner
      principal_arn: arn:aws:iam::222222222222:role/reader
tls_cert: cert.pem
tls_key: key.pem
tls:
  require: true
`))
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.True(t, c.Auth.Enabled)
	require.True(t, c.Auth.RejectReplays)
	require.Len(t, c.Auth.Keys, 2)
	require.Equal(t, "arn:aws:iam::222222222222:role/reader", c.Auth.Keys[1].PrincipalARN)
	require.True(t, c.TLS.Require)
	require.Equal(t, "/var/lib/eddy/keyring.json", c.KeyringPath())
	c.Encryption.Keyring = "/etc/eddy/keyring.json"
	require.Equal(t, "/etc/eddy/keyring.json", c.KeyringPath())

	_, err = Parse([]byte("auth:\n  keys:\n    - access_key: x\n"))
	require.ErrorContains(t, err, "access_key")
}

func TestSecurityValidateReportsAllProblems(t *testing.T) {
	c := Default()
	c.Auth.Enabled = true
	c.TLS.Require = true
	err := c.Validate()
	require.ErrorContains(t, err, "auth.keys: at least one key is needed")
	require.ErrorContains(t, err, "tls.require: needs tls_cert and tls_key")

	c = Default()
	c.Auth.Enabled = true
	c.Auth.Keys = []auth.Key{
		{AccessKeyID: "AKIAONE", SecretAccessKey: "short", Principal: "alice"},
		{AccessKeyID: "AKIAONE", SecretAccessKey: "0123456789abcdef", Principal: "bad name!"},
	}
	err = c.Validate()
	require.ErrorContains(t, err, "auth.keys[0].secret_access_key")
	require.ErrorContains(t, err, "auth.keys[1].")
	require.Empty(t, c.Warnings())
}

func TestSecurityWarnings(t *testing.T) {
	c := Default()
	c.Auth.Keys = []auth.Key{{AccessKeyID: "AKIAONE", SecretAccessKey: "0123456789abcdef", Principal: "alice"}}
	require.Len(t, c.Warnings(), 1)

	path := filepath.Join(t.TempDir(), "eddy.yaml")
	require.NoError(t, os.WriteFile(path, []byte("{}"), 0o644))
	require.Len(t, FileWarnings(path, c), 1)
	require.NoError(t, os.Chmod(path, 0o600))
	require.Empty(t, FileWarnings(path, c))
	require.Empty(t, FileWarnings(path, Default()))
}

// TestSecurityDocExamples parses the YAML examples of the security
// documentation, so that they stay valid configuration.
func TestSecurityDocExamples(t *testing.T) {
	for _, doc := range []string{"../../docs/security.md", "../../docs/security-design.md"} {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		blocks := strings.Split(string(b), "```yaml\n")[1:]
		require.NotEmpty(t, blocks, doc)
		for _, block := range blocks {
			block, _, _ = strings.Cut(block, "```")
			c, err := Parse([]byte(block))
			require.NoError(t, err, "%s:\n%s", doc, block)
			if c.Auth.Enabled {
				require.NotEmpty(t, c.Auth.Keys, block)
			}
		}
	}
}
