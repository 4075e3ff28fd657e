package policy

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Request is one authorization question: may Principal perform Action on
// Resource?
type Request struct {
	// Principal is the caller's principal ARN (auth.Identity.PrincipalARN).
	Principal string
	// Action is the IAM action, e.g. "kinesis:PutRecord" (Operation.Action).
	Action string
	// Resource is the ARN of the stream, consumer or channel the request
	// names, or "" for an account-level operation.
	Resource string
	// Account owns the resource: the server's account ID. Empty means
	// the Resource ARN's account.
	Account string
	// SourceIP is the client's address (aws:SourceIp); the zero value
	// means unknown.
	SourceIP netip.Addr
	// SecureTransport is whether the request came over TLS
	// (aws:SecureTransport).
	SecureTransport bool
	// Time is the request time (aws:CurrentTime, aws:EpochTime).
	Time time.Time
}

// owner returns the account that owns the requested resource.
func (r Request) owner() string {
	if r.Account != "" {
		return r.Account
	}
	if a, ok := ParseARN(r.Resource); ok {
		return a.Account
	}
	return ""
}

// conditionValue returns the value of a condition key (lower case) for
// the request, and whether the request has it.
func (r Request) conditionValue(key string) (string, bool) {
	switch key {
	case "aws:sourceip":
		return r.SourceIP.String(), r.SourceIP.IsValid()
	case "aws:securetransport":
		return strconv.FormatBool(r.SecureTransport), true
	case "aws:principalarn":
		return r.Principal, r.Principal != ""
	case "aws:principalaccount":
		account := principalAccount(r.Principal)
		return account, account != ""
	case "aws:username":
		a, ok := ParseARN(r.Principal)
		if !ok || a.Service != "iam" || !strings.HasPrefix(a.Resource, "user/") {
			return "", false
		}
		return a.Resource[strings.LastIndexByte(a.Resource, '/')+1:], true
	case "aws:currenttime":
		return r.Time.UTC().Format(time.RFC3339), !r.Time.IsZero()
	case "aws:epochtime":
		return strconv.FormatInt(r.Time.Unix(), 10), !r.Time.IsZero()
	}
	return "", false
}

// Decision is the outcome of evaluating a policy.
type Decision int

// Decisions.
const (
	// ImplicitDeny: no statement applies.
	ImplicitDeny Decision = iota
	// Allowed: an Allow statement applies and no Deny does.
	Allowed
	// ExplicitDeny: a Deny statement applies.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "allow"
	case ExplicitDeny:
		return "explicit deny"
	}
	return "implicit deny"
}

// Evaluate applies the policy to a request: a matching Deny statement
// wins over a matching Allow; with neither, the request is implicitly
// denied. A nil policy denies implicitly.
func (p *Policy) Evaluate(r Request) Decision {
	if p == nil {
		return ImplicitDeny
	}
	decision := ImplicitDeny
	for _, st := range p.Statements {
		if !st.applies(r) {
			continue
		}
		if st.Effect == Deny {
			return ExplicitDeny
		}
		decision = Allowed
	}
	return decision
}

// applies reports whether a statement's principal, action, resource and
// conditions all match the request.
func (st Statement) applies(r Request) bool {
	if !st.principals.matches(r.Principal) {
		return false
	}
	action := strings.ToLower(r.Action)
	if slices.ContainsFunc(st.actions, func(p string) bool { return wildcardMatch(p, action) }) == st.notAction {
		return false
	}
	resource := r.Resource
	if resource == "" {
		resource = "*" // account-level: only "*" names it
	}
	if slices.ContainsFunc(st.resources, func(p string) bool { return p == "*" || wildcardMatch(p, resource) }) == st.notResource {
		return false
	}
	for _, c := range st.conditions {
		if !c.holds(r) {
			return false
		}
	}
	return true
}

// AccessDeniedError is a refused request, with AWS's wording. The API
// layer sends it as AccessDeniedException.
type AccessDeniedError struct {
	Principal, Action, Resource string
	// Decision is ImplicitDeny or ExplicitDeny.
	Decision Decision
	// CrossAccount is set when the caller belongs to another account and
	// the action is one no resource policy can grant it.
	CrossAccount bool
}

func (e *AccessDeniedError) Error() string {
	resource := e.Resource
	if resource == "" {
		resource = "*"
	}
	msg := "User: " + e.Principal + " is not authorized to perform: " + e.Action + " on resource: " + resource
	switch {
	case e.CrossAccount:
		return msg + " because the caller does not belong to the account that owns the resource"
	case e.Decision == ExplicitDeny:
		return msg + " with an explicit deny in a resource-based policy"
	}
	return msg + " because no resource-based policy allows the " + e.Action + " action"
}

// Authorize decides a request under Eddy's model (see the package
// documentation): p is the policy attached to the requested resource, nil
// if it has none. It returns nil or an *AccessDeniedError.
func Authorize(p *Policy, r Request) error {
	owner := r.owner()
	sameAccount := owner != "" && principalAccount(r.Principal) == owner
	root := sameAccount && isRoot(r.Principal)
	deny := func(d Decision, crossAccount bool) error {
		return &AccessDeniedError{Principal: r.Principal, Action: r.Action, Resource: r.Resource, Decision: d, CrossAccount: crossAccount}
	}
	if !sameAccount && (r.Resource == "" || policyManagement(r.Action)) {
		return deny(ImplicitDeny, true)
	}
	if p == nil {
		if sameAccount {
			return nil
		}
		return deny(ImplicitDeny, false)
	}
	switch p.Evaluate(r) {
	case Allowed:
		return nil
	case ExplicitDeny:
		if root && policyManagement(r.Action) {
			return nil
		}
		return deny(ExplicitDeny, false)
	}
	if root {
		return nil
	}
	return deny(ImplicitDeny, false)
}
