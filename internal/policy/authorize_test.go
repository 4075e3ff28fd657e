package policy

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/cockroachdb/datadriven"
)

// The authorization matrix lives in testdata/authorize.txt, a datadriven
// script (rewrite with go test -run TestAuthorizeScript -rewrite):
//
//	policy resource=orders
//	{...JSON...}
//	----
//	ok | error: ...
//
//	policy resource=orders delete
//	----
//
//	authorize principals=(alice,carol@222222222222) actions=(PutRecord,GetRecords) resources=(orders,orders/c1,-) [ip=10.1.2.3] [tls] [time=2026-01-01T00:00:00Z]
//	----
//	one line per combination: principal action resource decision
//
// Short names: principals alice, bob and root are of the owning account
// 111111111111; name@account is a user of another account;
// role/name@account an assumed-role session; anything starting with
// "arn:" is taken as is. Resources: a stream name, stream/consumer for a
// consumer, "-" for account-level; actions: operation names.

const (
	testAccount = "111111111111"
	testRegion  = "us-east-1"
)

func principalARN(short string) string {
	if strings.HasPrefix(short, "arn:") {
		return short
	}
	name, account, foreign := strings.Cut(short, "@")
	if !foreign {
		account = testAccount
	}
	if role, ok := strings.CutPrefix(name, "role/"); ok {
		return "arn:aws:sts::" + account + ":assumed-role/" + role + "/session-1"
	}
	return UserARN(account, name)
}

func resourceARN(short string) string {
	switch {
	case short == "-":
		return ""
	case strings.HasPrefix(short, "arn:"):
		return short
	case strings.Contains(short, "/"):
		stream, consumer, _ := strings.Cut(short, "/")
		return StreamARN(testRegion, testAccount, stream) + "/consumer/" + consumer + ":1700000000"
	}
	return StreamARN(testRegion, testAccount, short)
}

func TestAuthorizeScript(t *testing.T) {
	st := &scriptState{policies: map[string]*Policy{}}
	datadriven.RunTest(t, "testdata/authorize.txt", st.run)
}

// scriptState is the policies attached so far, by resource ARN.
type scriptState struct {
	policies map[string]*Policy
}

func (st *scriptState) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "policy":
		var resource string
		d.ScanArgs(t, "resource", &resource)
		arn := resourceARN(resource)
		if d.HasArg("delete") {
			delete(st.policies, arn)
			return "deleted"
		}
		p, err := Parse(d.Input, arn)
		if err != nil {
			return "error: " + err.Error()
		}
		st.policies[arn] = p
		return "ok"
	case "authorize":
		var principals, actions, resources []string
		d.ScanArgs(t, "principals", &principals)
		d.ScanArgs(t, "actions", &actions)
		d.ScanArgs(t, "resources", &resources)
		req := Request{Account: testAccount, Time: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
		if d.HasArg("ip") {
			var ip string
			d.ScanArgs(t, "ip", &ip)
			req.SourceIP = netip.MustParseAddr(ip)
		}
		req.SecureTransport = d.HasArg("tls")
		if d.HasArg("time") {
			var ts string
			d.ScanArgs(t, "time", &ts)
			tm, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				t.Fatal(err)
			}
			req.Time = tm
		}
		var out strings.Builder
		w := tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)
		for _, p := range principals {
			for _, a := range actions {
				for _, r := range resources {
					req.Principal, req.Action, req.Resource = principalARN(p), "kinesis:"+a, resourceARN(r)
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p, a, r, verdict(Authorize(st.policies[req.Resource], req)))
				}
			}
		}
		w.Flush()
		return out.String()
	}
	t.Fatalf("unknown command %q", d.Cmd)
	return ""
}

func verdict(err error) string {
	if err == nil {
		return "allow"
	}
	e := err.(*AccessDeniedError)
	switch {
	case e.CrossAccount:
		return "deny (cross-account)"
	case e.Decision == ExplicitDeny:
		return "deny (explicit)"
	}
	return "deny (no allow)"
}
