package exec

import (
	"fmt"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/parser"
)

func (g *Graph) label(n node, text string) {
	if g.labels == nil {
		g.labels = map[node]string{}
	}
	g.labels[n] = text
}

func rangeText(ms int64) string {
	if ms < 0 {
		return "none"
	}
	return time.Duration(ms * int64(time.Millisecond)).String()
}

func exprList(es []parser.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = parser.ExprString(e)
	}
	return strings.Join(parts, ", ")
}

func callList(cs []*parser.FuncCall) string {
	parts := make([]parser.Expr, len(cs))
	for i, c := range cs {
		parts[i] = c
	}
	return "[" + exprList(parts) + "]"
}

// Explain prints the physical plan: for every stream that queries read,
// the operator chains its rows flow through, down to the stream each pump
// inserts into. A join or union is followed from its first input only.
func (g *Graph) Explain() string {
	var b strings.Builder
	for _, s := range g.order {
		if len(s.subscribers) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s\n", s.Name)
		for _, sub := range s.subscribers {
			g.explain(&b, sub, 1)
		}
	}
	return b.String()
}

func (g *Graph) explain(b *strings.Builder, n node, depth int) {
	for n != nil {
		if r, ok := n.(*relay); ok {
			n = r.next
			continue
		}
		indent := strings.Repeat("  ", depth)
		switch op := n.(type) {
		case *insertOp:
			pump := op.pump
			if pump == "" {
				pump = "query"
			}
			fmt.Fprintf(b, "%s-> insert into %s (%s)\n", indent, op.target.Name, pump)
			return
		case joinPort:
			fmt.Fprintf(b, "%s%s\n", indent, g.labels[n])
			if op.right {
				return
			}
			n = op.op.next
		case unionPort:
			fmt.Fprintf(b, "%s%s\n", indent, g.labels[n])
			if op.i > 0 {
				return
			}
			n = op.op.next
		default:
			fmt.Fprintf(b, "%s%s\n", indent, g.labels[n])
			next, ok := n.(interface{ nextNode() node })
			if !ok {
				return
			}
			n = next.nextNode()
		}
		depth++
	}
}

func (o *filterOp) nextNode() node    { return o.next }
func (o *projectOp) nextNode() node   { return o.next }
func (o *tumblingOp) nextNode() node  { return o.next }
func (o *staggerOp) nextNode() node   { return o.next }
func (o *slidingOp) nextNode() node   { return o.next }
func (o *tableFuncOp) nextNode() node { return o.next }
func (o *tableJoinOp) nextNode() node { return o.next }
