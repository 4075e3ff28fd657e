package process

import (
	"testing"
	"time"
)

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"a/!{timestamp:yyyy/MM/dd}/", "!{partitionKeyFromQuery:k}!{firehose:random-string}", "'x'!{timestamp:''yy''}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := CompileTemplate(s, true)
		if err != nil {
			return
		}
		_, _ = tpl.Eval(&Values{Time: time.Unix(1700000000, 0), QueryKeys: map[string]string{"k": "v"}})
	})
}

func FuzzPattern(f *testing.F) {
	for _, s := range []string{"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "EEE, d MMM yyyy", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := CompilePattern(s)
		if err != nil {
			return
		}
		_ = p.Format(time.Unix(1700000000, 123456789))
		_, _ = p.GoLayout()
	})
}

func FuzzSplitJSON(f *testing.F) {
	f.Add([]byte(`{"a":1}{"b":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parts, err := SplitJSON(b)
		if err == nil {
			for _, p := range parts {
				if len(p) == 0 {
					t.Fatal("empty part")
				}
			}
		}
	})
}
