package parser

import (
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
)

// TestParse runs testdata/parse: "parse" prints the canonical SQL of the
// input (or the error), and checks that printing is a fixed point.
func TestParse(t *testing.T) {
	datadriven.RunTest(t, "testdata/parse", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "parse":
			prog, err := Parse(d.Input)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			out := prog.String()
			again, err := Parse(out)
			require.NoError(t, err, "reparse %q", out)
			require.Equal(t, out, again.String(), "printing is not a fixed point")
			return out
		case "expr":
			e, err := ParseExpr(d.Input)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			return ExprString(e) + "\n"
		case "lex":
			toks, err := Lex(d.Input)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			var b strings.Builder
			for _, tk := range toks {
				b.WriteString(tk.Pos.String() + " " + tk.Kind.String() + " " + tk.String() + "\n")
			}
			return b.String()
		}
		t.Fatalf("unknown command %s", d.Cmd)
		return ""
	})
}

func TestParseDepthLimit(t *testing.T) {
	_, err := ParseExpr(strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000))
	require.ErrorContains(t, err, "nesting too deep")
	_, err = ParseExpr(strings.Repeat("- ", 10000) + "1")
	require.ErrorContains(t, err, "nesting too deep")
}

var fuzzSeeds = []string{
	`CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), ticker_count DOUBLE);`,
	`CREATE OR REPLACE PUMP "P" AS INSERT INTO "D" SELECT STREAM a, COUNT(*) FROM "S" GROUP BY a, STEP("S".ROWTIME BY INTERVAL '10' SECOND);`,
	`SELECT STREAM t, FLOOR(e TO MINUTE), COUNT(t) FROM s WINDOWED BY STAGGER (PARTITION BY FLOOR(e TO MINUTE), t RANGE INTERVAL '1' MINUTE);`,
	`SELECT STREAM x, AVG(p) OVER w1, LAG(p, 1) IGNORE NULLS OVER w2 FROM s WINDOW w1 AS (PARTITION BY x RANGE INTERVAL '1' MINUTE PRECEDING), w2 AS (ROWS 2 PRECEDING);`,
	`SELECT STREAM o.a, t.b FROM o LEFT OUTER JOIN t OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS t ON o.id = t.id;`,
	`SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM s), 100, 256));`,
	`SELECT STREAM CASE WHEN a BETWEEN 1 AND 2 THEN 'x' || b ELSE NULL END, CAST(c AS DECIMAL(5,2)), TRIM(LEADING 'x' FROM d), SUBSTRING(e FROM 2 FOR 3) FROM s WHERE f LIKE 'a%' AND g IS NOT NULL;`,
	`SELECT STREAM TIMESTAMP '2020-01-01 00:00:00', X'0A', -1.5e3, "q""x" FROM s -- c
	/* block */`,
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := Parse(src)
		if err != nil {
			return
		}
		out := prog.String()
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse of %q: %v\nprinted: %s", src, err, out)
		}
		if again.String() != out {
			t.Fatalf("printing not a fixed point:\n%s\n%s", out, again.String())
		}
	})
}

func FuzzLex(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		toks, err := Lex(src)
		if err != nil {
			return
		}
		if toks[len(toks)-1].Kind != EOF {
			t.Fatal("missing EOF")
		}
	})
}
