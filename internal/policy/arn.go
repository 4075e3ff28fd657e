package policy

import "strings"

// ARN is an Amazon Resource Name split into its parts:
// arn:<partition>:<service>:<region>:<account>:<resource>.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN splits an ARN; ok is false if s is not one.
func ParseARN(s string) (a ARN, ok bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return ARN{}, false
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, true
}

func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// StreamARN returns arn:aws:kinesis:<region>:<account>:stream/<name>.
func StreamARN(region, account, name string) string {
	return "arn:aws:kinesis:" + region + ":" + account + ":stream/" + name
}

// UserARN returns the ARN a principal name stands for in an account:
// arn:aws:iam::<account>:user/<name>, or the account's root ARN for the
// name "root".
func UserARN(account, name string) string {
	if name == "root" {
		return "arn:aws:iam::" + account + ":root"
	}
	return "arn:aws:iam::" + account + ":user/" + name
}

// ResourceTypeOf classifies a Kinesis ARN: a stream, one of its
// consumers, or a channel. Anything else is ResourceNone.
func ResourceTypeOf(arn string) ResourceType {
	a, ok := ParseARN(arn)
	if !ok || a.Service != "kinesis" {
		return ResourceNone
	}
	switch {
	case strings.HasPrefix(a.Resource, "stream/") && strings.Contains(a.Resource, "/consumer/"):
		return ResourceConsumer
	case strings.HasPrefix(a.Resource, "stream/"):
		return ResourceStream
	case strings.HasPrefix(a.Resource, "channel/"):
		return ResourceChannel
	}
	return ResourceNone
}

// principalAccount returns the account of an IAM or STS principal ARN.
func principalAccount(principal string) string {
	a, ok := ParseARN(principal)
	if !ok {
		return ""
	}
	return a.Account
}

// isRoot reports whether a principal ARN is an account's root.
func isRoot(principal string) bool {
	a, ok := ParseARN(principal)
	return ok && a.Service == "iam" && a.Resource == "root"
}
