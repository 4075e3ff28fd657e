// Package policy parses, validates and evaluates IAM-style resource-based
// policies as Kinesis Data Streams attaches them to streams and consumers
// (PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy), and maps
// every Kinesis operation to the IAM action that authorizes it.
//
// # Documents
//
// Parse accepts the JSON policy language's subset that makes sense for a
// Kinesis resource and refuses everything else with an *InvalidPolicyError
// naming the element, rather than ignoring what it does not understand:
//
//	{
//	  "Version": "2012-10-17",
//	  "Statement": [{
//	    "Sid": "ProducerWrites",
//	    "Effect": "Allow",
//	    "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"},
//	    "Action": ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:Describe*"],
//	    "Resource": "arn:aws:kinesis:us-east-1:123456789012:stream/orders",
//	    "Condition": {"Bool": {"aws:SecureTransport": "true"}}
//	  }]
//	}
//
// Supported: Version (2012-10-17 or 2008-10-17), Id, Statement (one object
// or a list); per statement Sid (unique), Effect (Allow or Deny), Principal
// ("*" or {"AWS": ...} with "*", account IDs, IAM user, role and root ARNs
// and STS assumed-role ARNs), Action or NotAction (kinesis actions, with *
// and ? wildcards; a name that matches no Kinesis action is an error),
// Resource or NotResource (ARNs with wildcards; a Resource must match the
// resource the policy is attached to), Condition (see condition.go for the
// operators and keys). Not supported, and refused: NotPrincipal, Service,
// Federated and CanonicalUser principals, policy variables (${...}) in a
// 2012-10-17 policy, ForAnyValue:/ForAllValues: set operators, Numeric
// operators, and any condition key not listed in condition.go. Duplicate
// JSON keys and misspelled element names are errors too.
//
// # Decisions
//
// Policy.Evaluate applies AWS's rule within one policy: an explicit Deny in
// any matching statement wins, else an Allow in any matching statement
// allows, else the request is implicitly denied. Authorize puts that in
// Eddy's model, where every configured access key belongs to a principal
// whose own (identity) permissions allow everything, since Eddy has no IAM
// identity policies:
//
//   - a resource without a policy is open to every principal of the
//     owning account;
//   - a resource with a policy is governed by it: a principal of the
//     account needs an Allow and no Deny (the policy is the resource's
//     access list);
//   - the account's root principal (arn:aws:iam::<account>:root) is
//     allowed unless a statement denies it, and may always get, put and
//     delete the policy, so a policy cannot lock the owner out;
//   - principals of other accounts (keys with a principal_arn in another
//     account) are treated as AWS treats cross-account callers: they need
//     an Allow in the resource's policy, and may not call account-level
//     operations or manage policies at all.
//
// A Policy is immutable and safe for concurrent use; so is a Cache.
package policy
