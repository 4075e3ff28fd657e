package awsproto

import (
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// FuzzDecodeJSON checks that the JSON decoder never panics and that what
// it accepts re-encodes and decodes to the same value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"Name":"n","Count":3,"Data":"aGk=","When":1700000000.5,"List":["a"],"Flag":true}`,
		`{}`, `{"When":null}`, `{"Data":""}`, `{"Count":1e3}`, `[]`, ``, `{"When":-1.5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var s sample
		if Decode(JSON, body, &s) != nil {
			return
		}
		b, err := Encode(JSON, s)
		if err != nil {
			t.Fatalf("encode accepted value: %v", err)
		}
		var again sample
		if e := Decode(JSON, b, &again); e != nil {
			t.Fatalf("decode re-encoded %s: %v", b, e)
		}
	})
}

// FuzzDecodeCBOR checks that the CBOR decoder never panics.
func FuzzDecodeCBOR(f *testing.F) {
	seeds := []any{
		map[string]any{"Name": "n", "Data": []byte{1}, "When": int64(1700000000123)},
		map[string]any{"When": cbor.Tag{Number: 1, Content: 1.5}},
		[]int{1}, "x",
	}
	for _, s := range seeds {
		b, _ := cbor.Marshal(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var s sample
		if Decode(CBOR, body, &s) != nil {
			return
		}
		if _, err := Encode(CBOR, s); err != nil {
			t.Fatalf("encode accepted value: %v", err)
		}
	})
}
