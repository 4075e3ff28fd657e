package convert

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// FuzzFlatRecord converts arbitrary records: never a panic, and a record
// the scanner accepts must be a JSON object (it is never more lenient
// than encoding/json about the top level).
func FuzzFlatRecord(f *testing.F) {
	c, err := New(Options{Columns: benchColumns, CaseInsensitive: true, ConvertDotsInJSONKeysToUnderscores: true})
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range benchRecords(3) {
		f.Add(r)
	}
	f.Add([]byte(`{"Event.Id":"a\"b","amount":"1e3","success":"TRUE","event_time":1700000000.5}`))
	f.Fuzz(func(t *testing.T, rec []byte) {
		var bad bool
		_, err := c.Write(io.Discard, [][]byte{rec}, func(int, error) { bad = true })
		if err != nil {
			t.Fatal(err)
		}
		if !bad {
			var m map[string]any
			if json.Unmarshal(rec, &m) != nil && json.Valid(rec) {
				t.Fatalf("accepted a JSON value that is not an object: %q", rec)
			}
		}
	})
}

func FuzzNestedRecord(f *testing.F) {
	c, err := New(Options{Columns: []Column{{"a", "array<struct<b:int,c:map<string,string>>>"}, {"d", "decimal(9,3)"}}, CaseInsensitive: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"a":[{"b":1,"c":{"x":"y"}},null],"d":"12.3456"}`))
	f.Fuzz(func(t *testing.T, rec []byte) {
		var buf bytes.Buffer
		if _, err := c.Write(&buf, [][]byte{rec}, func(int, error) {}); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseType(f *testing.F) {
	for _, s := range []string{"int", "array<map<string,struct<a:decimal(5,2)>>>", "varchar(10)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, err := ParseType(s)
		if err == nil {
			_ = typ.node()
			_ = typ.leafCount()
		}
	})
}
