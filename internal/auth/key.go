package auth

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// Key is one configured access key. Its YAML form is the entry of the
// server configuration's auth.keys list:
//
//   - access_key_id: AKIAEXAMPLE
//     secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
//     principal: alice
//
// String, GoString and LogValue redact the secret, so a Key can be logged.
type Key struct {
	// AccessKeyID is the public half, sent in every request's credential
	// scope. Unique among keys; 1 to 128 characters, none of them '/',
	// whitespace, ',' or '='.
	AccessKeyID string `yaml:"access_key_id" json:"access_key_id"`
	// SecretAccessKey signs requests; at least 16 characters.
	SecretAccessKey string `yaml:"secret_access_key" json:"secret_access_key"`
	// Principal names who holds the key, as an IAM user name (letters,
	// digits and +=,.@_-, up to 64 characters). Several keys may share a
	// principal (key rotation). The name "root" stands for the account
	// itself (arn:aws:iam::<account>:root).
	Principal string `yaml:"principal" json:"principal"`
	// PrincipalARN, if set, is the principal's ARN instead of the one
	// derived from Principal: an IAM user, role or root ARN, or an STS
	// assumed-role ARN, possibly of another account (to stand in for a
	// cross-account caller).
	PrincipalARN string `yaml:"principal_arn,omitempty" json:"principal_arn,omitempty"`
}

// RootPrincipal is the principal name that stands for the account itself.
const RootPrincipal = "root"

// ARN returns the principal's ARN: PrincipalARN if set, else
// arn:aws:iam::<accountID>:user/<Principal>, or
// arn:aws:iam::<accountID>:root for the principal "root".
func (k Key) ARN(accountID string) string {
	switch {
	case k.PrincipalARN != "":
		return k.PrincipalARN
	case k.Principal == RootPrincipal:
		return "arn:aws:iam::" + accountID + ":root"
	default:
		return "arn:aws:iam::" + accountID + ":user/" + k.Principal
	}
}

// String returns the key with its secret redacted.
func (k Key) String() string {
	return fmt.Sprintf("{access_key_id: %s, secret_access_key: REDACTED, principal: %s}", k.AccessKeyID, k.Principal)
}

// GoString returns the key with its secret redacted, for %#v.
func (k Key) GoString() string {
	return fmt.Sprintf("auth.Key{AccessKeyID: %q, SecretAccessKey: \"REDACTED\", Principal: %q, PrincipalARN: %q}",
		k.AccessKeyID, k.Principal, k.PrincipalARN)
}

// LogValue makes slog print the key without its secret.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", k.AccessKeyID), slog.String("principal", k.Principal))
}

// MinSecretLength is the shortest secret access key accepted.
const MinSecretLength = 16

var (
	principalPattern    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	principalARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::\d{12}:(root|(user|role)/[\w+=,.@/-]+)|sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)$`)
)

// ValidateKeys reports every problem of a key list at once: each error
// names the entry, e.g. "keys[1].access_key_id: ...". The list may be
// empty (nobody can authenticate).
func ValidateKeys(keys []Key) []error {
	var errs []error
	bad := func(i int, field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("keys[%d].%s: %s", i, field, fmt.Sprintf(format, args...)))
	}
	seen := make(map[string]int, len(keys))
	for i, k := range keys {
		switch {
		case k.AccessKeyID == "":
			bad(i, "access_key_id", "must not be empty")
		case len(k.AccessKeyID) > 128:
			bad(i, "access_key_id", "longer than 128 characters")
		case strings.ContainsAny(k.AccessKeyID, "/,= \t\r\n"):
			bad(i, "access_key_id", "%q contains '/', ',', '=' or whitespace", k.AccessKeyID)
		default:
			if j, dup := seen[k.AccessKeyID]; dup {
				bad(i, "access_key_id", "%q is also keys[%d]", k.AccessKeyID, j)
			}
			seen[k.AccessKeyID] = i
		}
		if len(k.SecretAccessKey) < MinSecretLength {
			bad(i, "secret_access_key", "must be at least %d characters", MinSecretLength)
		}
		if !principalPattern.MatchString(k.Principal) {
			bad(i, "principal", "%q is not a user name (1-64 of letters, digits and +=,.@_-)", k.Principal)
		}
		if k.PrincipalARN != "" && !principalARNPattern.MatchString(k.PrincipalARN) {
			bad(i, "principal_arn", "%q is not an IAM user, role or root ARN or an STS assumed-role ARN", k.PrincipalARN)
		}
	}
	return errs
}
