package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// principals is a statement's Principal element.
type principals struct {
	any      bool     // "*"
	accounts []string // "123456789012" or arn:...:iam::123456789012:root
	arns     []string // user and assumed-role ARNs, exactly
	roles    []roleRef
}

// roleRef is an IAM role: it matches the role's ARN and the role's
// assumed-role sessions.
type roleRef struct {
	arn, account, name string
}

var (
	accountPattern      = regexp.MustCompile(`^\d{12}$`)
	iamPrincipalPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)$`)
	stsPrincipalPattern = regexp.MustCompile(`^arn:aws[a-z-]*:sts::(\d{12}):assumed-role/[\w+=,.@-]+/[\w+=,.@-]+$`)
)

// parsePrincipal reads "*" or {"AWS": "..." | [...]}.
func parsePrincipal(v any) (principals, error) {
	var p principals
	switch t := v.(type) {
	case nil:
		return p, fmt.Errorf("Principal is missing (a resource policy names who it applies to)")
	case string:
		if t != "*" {
			return p, fmt.Errorf("Principal must be \"*\" or an object like {\"AWS\": \"arn:aws:iam::123456789012:user/alice\"}")
		}
		p.any = true
		return p, nil
	case object:
		for _, key := range t.keys {
			if key != "AWS" {
				return p, fmt.Errorf("Principal %q is not supported; only \"AWS\" principals (accounts, users, roles) are", key)
			}
		}
		values, err := stringList(t.values["AWS"], "Principal AWS")
		if err != nil {
			return p, err
		}
		for _, s := range values {
			if err := p.add(s); err != nil {
				return p, err
			}
		}
		return p, nil
	}
	return p, fmt.Errorf("Principal must be \"*\" or an object, not %s", jsonType(v))
}

func (p *principals) add(s string) error {
	switch {
	case s == "*":
		p.any = true
	case accountPattern.MatchString(s):
		p.accounts = append(p.accounts, s)
	case iamPrincipalPattern.MatchString(s):
		m := iamPrincipalPattern.FindStringSubmatch(s)
		switch {
		case m[2] == "root":
			p.accounts = append(p.accounts, m[1])
		case strings.HasPrefix(m[2], "role/"):
			path := strings.TrimPrefix(m[2], "role/")
			p.roles = append(p.roles, roleRef{arn: s, account: m[1], name: path[strings.LastIndexByte(path, '/')+1:]})
		default:
			p.arns = append(p.arns, s)
		}
	case stsPrincipalPattern.MatchString(s):
		p.arns = append(p.arns, s)
	case strings.ContainsAny(s, "*?"):
		return fmt.Errorf("Principal %q: wildcards are not allowed in principals (use \"*\" with a Condition on aws:PrincipalArn)", s)
	default:
		return fmt.Errorf("Principal %q is not an account ID, an IAM user, role or root ARN, or an STS assumed-role ARN", s)
	}
	return nil
}

// matches reports whether a principal ARN is among p.
func (p principals) matches(principal string) bool {
	if p.any {
		return true
	}
	if slices.Contains(p.arns, principal) {
		return true
	}
	if account := principalAccount(principal); account != "" && slices.Contains(p.accounts, account) {
		return true
	}
	for _, r := range p.roles {
		if principal == r.arn {
			return true
		}
		// arn:aws:sts::<account>:assumed-role/<name>/<session>
		if m := stsPrincipalPattern.FindStringSubmatch(principal); m != nil && m[1] == r.account {
			rest := principal[strings.Index(principal, ":assumed-role/")+len(":assumed-role/"):]
			if name, _, _ := strings.Cut(rest, "/"); name == r.name {
				return true
			}
		}
	}
	return false
}
