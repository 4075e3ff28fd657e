package policy

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"
)

// The operation table covers every operation of the Kinesis client of the
// AWS SDK for Go v2: each API operation is one of its methods.
func TestOperationsCoverSDK(t *testing.T) {
	var sdk []string
	typ := reflect.TypeOf(&kinesis.Client{})
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		if m.Name == "Options" {
			continue
		}
		sdk = append(sdk, m.Name)
	}
	var ours []string
	for _, o := range Operations() {
		ours = append(ours, o.Name)
	}
	require.Equal(t, sdk, ours)
}

func TestOperationTable(t *testing.T) {
	ops := Operations()
	require.True(t, slices.IsSortedFunc(ops, func(a, b Operation) int { return strings.Compare(a.Name, b.Name) }))
	for _, o := range ops {
		require.Equal(t, "kinesis:"+o.Name, o.Action)
		got, ok := OperationByName(o.Name)
		require.True(t, ok)
		require.Equal(t, o, got)
	}
	_, ok := OperationByName("Frobnicate")
	require.False(t, ok)
	put, _ := OperationByName("PutRecords")
	require.Equal(t, []ResourceType{ResourceStream}, put.Resources)
	sub, _ := OperationByName("SubscribeToShard")
	require.Equal(t, []ResourceType{ResourceConsumer}, sub.Resources)
	list, _ := OperationByName("ListStreams")
	require.Empty(t, list.Resources)
	// Operations returns copies.
	ops[0].Resources[0] = "changed"
	require.NotEqual(t, ResourceType("changed"), Operations()[0].Resources[0])
}

func TestAccessDeniedMessages(t *testing.T) {
	owner := "111111111111"
	orders := StreamARN("us-east-1", owner, "orders")
	alice := UserARN(owner, "alice")
	p, err := Parse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"kinesis:Get*","Resource":"*"},
		{"Effect":"Deny","Principal":"*","Action":"kinesis:GetShardIterator","Resource":"*"}]}`, orders)
	require.NoError(t, err)
	tests := []struct {
		policy  *Policy
		req     Request
		message string
	}{
		{p, Request{Principal: alice, Action: "kinesis:PutRecord", Resource: orders},
			"User: arn:aws:iam::111111111111:user/alice is not authorized to perform: kinesis:PutRecord on resource: " +
				"arn:aws:kinesis:us-east-1:111111111111:stream/orders because no resource-based policy allows the kinesis:PutRecord action"},
		{p, Request{Principal: alice, Action: "kinesis:GetShardIterator", Resource: orders},
			"User: arn:aws:iam::111111111111:user/alice is not authorized to perform: kinesis:GetShardIterator on resource: " +
				"arn:aws:kinesis:us-east-1:111111111111:stream/orders with an explicit deny in a resource-based policy"},
		{nil, Request{Principal: "arn:aws:iam::222222222222:user/carol", Action: "kinesis:ListStreams", Account: owner},
			"User: arn:aws:iam::222222222222:user/carol is not authorized to perform: kinesis:ListStreams on resource: * " +
				"because the caller does not belong to the account that owns the resource"},
	}
	for _, tt := range tests {
		err := Authorize(tt.policy, tt.req)
		var denied *AccessDeniedError
		require.ErrorAs(t, err, &denied)
		require.Equal(t, tt.message, err.Error())
	}
	require.NoError(t, Authorize(p, Request{Principal: alice, Action: "kinesis:GetRecords", Resource: orders}))
	// With no resource ARN and no Account the owner is unknown: denied.
	require.Error(t, Authorize(nil, Request{Principal: alice, Action: "kinesis:ListStreams"}))
	require.NoError(t, Authorize(nil, Request{Principal: alice, Action: "kinesis:ListStreams", Account: owner}))
}

func TestParseForms(t *testing.T) {
	// A single statement object, no Version (2008-10-17, where "${" is literal), JSON booleans and numbers in conditions.
	p, err := Parse(`{"Id":"x","Statement":{"Sid":"s1","Effect":"Deny","Principal":{"AWS":["*"]},"NotAction":"kinesis:Get*",
		"NotResource":["arn:aws:kinesis:*:*:stream/${literal}"],
		"Condition":{"Bool":{"aws:SecureTransport":true},"DateGreaterThan":{"aws:EpochTime":1700000000}}}}`, "")
	require.NoError(t, err)
	require.Equal(t, Version2008, p.Version)
	require.Equal(t, "x", p.ID)
	require.Len(t, p.Statements, 1)
	require.Equal(t, "s1", p.Statements[0].Sid)
	require.Equal(t, Deny, p.Statements[0].Effect)

	// The size limit.
	big := `{"Statement":{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*","Sid":"` + strings.Repeat("x", MaxPolicySize) + `"}}`
	_, err = Parse(big, "")
	var invalid *InvalidPolicyError
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, err.Error(), "at most 20480 are allowed")

	// Deep nesting is refused, not recursed into.
	_, err = Parse(strings.Repeat("[", 10000)+strings.Repeat("]", 10000), "")
	require.ErrorContains(t, err, "nested too deeply")
}

func TestWildcardMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		match      bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a*c", "ac", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxcxxbxxaxx", false},
		{"stream/ord?rs", "stream/orders", true},
		{"Stream/*", "stream/x", false},
		{strings.Repeat("*a", 50) + "b", strings.Repeat("a", 200), false},
	} {
		require.Equal(t, tt.match, wildcardMatch(tt.pattern, tt.s), "%q ~ %q", tt.pattern, tt.s)
	}
	require.True(t, arnMatch("arn:aws:iam::*:user/b*", "arn:aws:iam::111111111111:user/bob"))
	require.False(t, arnMatch("arn:aws:iam::*", "arn:aws:iam::111111111111:user/bob"), "wildcards do not cross ARN parts")
	require.True(t, arnMatch("*", "anything"))
}

func TestARNs(t *testing.T) {
	a, ok := ParseARN("arn:aws:kinesis:us-east-1:111111111111:stream/orders/consumer/c:1")
	require.True(t, ok)
	require.Equal(t, ARN{"aws", "kinesis", "us-east-1", "111111111111", "stream/orders/consumer/c:1"}, a)
	require.Equal(t, "arn:aws:kinesis:us-east-1:111111111111:stream/orders/consumer/c:1", a.String())
	_, ok = ParseARN("arn:aws:kinesis")
	require.False(t, ok)
	require.Equal(t, ResourceConsumer, ResourceTypeOf(a.String()))
	require.Equal(t, ResourceStream, ResourceTypeOf(StreamARN("us-east-1", "111111111111", "orders")))
	require.Equal(t, ResourceChannel, ResourceTypeOf("arn:aws:kinesis:us-east-1:111111111111:channel/c"))
	require.Equal(t, ResourceNone, ResourceTypeOf("arn:aws:s3:::bucket"))
	require.Equal(t, "arn:aws:iam::111111111111:root", UserARN("111111111111", "root"))
}

func TestCache(t *testing.T) {
	c := NewCache(2)
	p, err := c.Get("")
	require.NoError(t, err)
	require.Nil(t, p)
	doc := `{"Statement":{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*"}}`
	p1, err := c.Get(doc)
	require.NoError(t, err)
	p2, err := c.Get(doc)
	require.NoError(t, err)
	require.Same(t, p1, p2)
	_, err = c.Get(`{}`)
	require.Error(t, err)
	for i := range 5 {
		_, err := c.Get(strings.Replace(doc, `"*"}}`, fmt.Sprintf(`"*","Sid":"%d"}}`, i), 1))
		require.NoError(t, err)
	}
	require.LessOrEqual(t, len(c.entries), 2)
}

// Properties of Evaluate over random policies and requests: statement order
// does not matter, a matching Deny always wins, and adding an Allow never
// takes a permission away.
func TestEvaluateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	principals := []string{`"*"`, `{"AWS":"111111111111"}`, `{"AWS":"arn:aws:iam::111111111111:user/alice"}`,
		`{"AWS":["arn:aws:iam::111111111111:user/bob","222222222222"]}`, `{"AWS":"arn:aws:iam::222222222222:role/reader"}`}
	actions := []string{`"kinesis:*"`, `"kinesis:Get*"`, `"kinesis:PutRecord"`, `["kinesis:PutRecords","kinesis:Describe*"]`, `"*"`}
	resources := []string{`"*"`, `"arn:aws:kinesis:us-east-1:111111111111:stream/*"`, `"arn:aws:kinesis:us-east-1:111111111111:stream/orders"`,
		`"arn:aws:kinesis:us-east-1:111111111111:stream/logs"`}
	conditions := []string{``, `,"Condition":{"Bool":{"aws:SecureTransport":"true"}}`,
		`,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, `,"Condition":{"StringLike":{"aws:PrincipalArn":"*alice"}}`}
	statement := func(effect string) string {
		actionKey, resourceKey := "Action", "Resource"
		if rng.IntN(5) == 0 {
			actionKey = "NotAction"
		}
		if rng.IntN(5) == 0 {
			resourceKey = "NotResource"
		}
		return fmt.Sprintf(`{"Effect":%q,"Principal":%s,%q:%s,%q:%s%s}`, effect,
			principals[rng.IntN(len(principals))], actionKey, actions[rng.IntN(len(actions))],
			resourceKey, resources[rng.IntN(len(resources))], conditions[rng.IntN(len(conditions))])
	}
	effect := func() string {
		if rng.IntN(3) == 0 {
			return "Deny"
		}
		return "Allow"
	}
	parse := func(statements []string) *Policy {
		p, err := Parse(`{"Version":"2012-10-17","Statement":[`+strings.Join(statements, ",")+`]}`, "")
		require.NoError(t, err)
		return p
	}
	requestPrincipals := []string{UserARN("111111111111", "alice"), UserARN("111111111111", "bob"), UserARN("111111111111", "root"),
		UserARN("222222222222", "carol"), "arn:aws:sts::222222222222:assumed-role/reader/s"}
	requestActions := []string{"kinesis:PutRecord", "kinesis:GetRecords", "kinesis:DescribeStreamSummary", "kinesis:DeleteStream"}
	for range 300 {
		var statements []string
		for range 1 + rng.IntN(4) {
			statements = append(statements, statement(effect()))
		}
		p := parse(statements)
		shuffled := slices.Clone(statements)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		ps := parse(shuffled)
		extraAllow := statement("Allow")
		withAllow := parse(append(slices.Clone(statements), extraAllow))
		withDeny := parse(append(slices.Clone(statements), statement("Deny")))
		for range 20 {
			r := Request{
				Principal: requestPrincipals[rng.IntN(len(requestPrincipals))], Action: requestActions[rng.IntN(len(requestActions))],
				Resource: StreamARN("us-east-1", "111111111111", []string{"orders", "logs"}[rng.IntN(2)]), Account: "111111111111",
				SecureTransport: rng.IntN(2) == 0, Time: time.Unix(1700000000, 0),
			}
			d := p.Evaluate(r)
			require.Equal(t, d, ps.Evaluate(r), "order matters for %v", statements)
			if d == Allowed {
				require.NotEqual(t, ImplicitDeny, withAllow.Evaluate(r))
			}
			if d == ExplicitDeny {
				require.Equal(t, ExplicitDeny, withAllow.Evaluate(r))
				require.Equal(t, ExplicitDeny, withDeny.Evaluate(r))
			}
			if d != Allowed {
				require.NotEqual(t, Allowed, withDeny.Evaluate(r))
			}
			// Authorize never allows what the policy explicitly denies,
			// except root managing the policy.
			if d == ExplicitDeny {
				require.Error(t, Authorize(p, r))
			}
		}
	}
	var nilPolicy *Policy
	require.Equal(t, ImplicitDeny, nilPolicy.Evaluate(Request{}))
	require.Equal(t, "explicit deny", ExplicitDeny.String())
}

func FuzzParse(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},` +
		`"Action":["kinesis:Put*"],"Resource":"arn:aws:kinesis:us-east-1:111111111111:stream/orders",` +
		`"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringLikeIfExists":{"aws:username":"a*"}}}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","Principal":"*","NotAction":"kinesis:Get?ecords","NotResource":"*",` +
		`"Condition":{"Null":{"aws:SourceIp":"true"},"DateLessThan":{"aws:CurrentTime":"2026-01-01"}}}}`)
	f.Add(`[]`)
	f.Add(`{"Statement":[{"Statement":{}}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse(doc, "arn:aws:kinesis:us-east-1:111111111111:stream/orders")
		if err != nil {
			if _, ok := err.(*InvalidPolicyError); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		if !json.Valid([]byte(doc)) {
			t.Fatalf("accepted invalid JSON %q", doc)
		}
		again, err := Parse(doc, "")
		if err != nil || !reflect.DeepEqual(p, again) {
			t.Fatalf("reparse: %v", err)
		}
		for _, principal := range []string{"arn:aws:iam::111111111111:user/alice", "arn:aws:sts::2:assumed-role/r/s", ""} {
			r := Request{Principal: principal, Action: "kinesis:PutRecord", Resource: "arn:aws:kinesis:us-east-1:111111111111:stream/orders"}
			_ = p.Evaluate(r)
			_ = Authorize(p, r)
		}
	})
}
