package sql

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql/functions"
)

// TestDocsListEveryFunction keeps docs/sql.md honest: every function the
// engine knows is listed there.
func TestDocsListEveryFunction(t *testing.T) {
	doc, err := os.ReadFile("../../docs/sql.md")
	require.NoError(t, err)
	names := append(functions.ScalarNames(), functions.AggregateNames()...)
	for _, name := range names {
		if name == "||" {
			continue
		}
		re := regexp.MustCompile("`" + regexp.QuoteMeta(name) + "\\b")
		require.True(t, re.Match(doc), "docs/sql.md does not list %s", name)
	}
}
