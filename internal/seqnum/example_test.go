package seqnum_test

import (
	"fmt"

	"github.com/eddy-streaming/eddy/internal/seqnum"
)

func ExampleFormatSequence() {
	s := seqnum.FormatSequence(41, 2)
	counter, shard, err := seqnum.ParseSequence(s)
	fmt.Println(s, len(s))
	fmt.Println(counter, shard, err)
	// Output:
	// 170141183460469231731687303891977764866 39
	// 41 2 <nil>
}

func ExampleSplitHashRange() {
	for i, r := range seqnum.SplitHashRange(2) {
		fmt.Println(i, r.Start, r.End)
	}
	// Output:
	// 0 0 170141183460469231731687303715884105727
	// 1 170141183460469231731687303715884105728 340282366920938463463374607431768211455
}

func ExampleHashKey() {
	k := seqnum.HashKey("a")
	ranges := seqnum.SplitHashRange(4)
	for i, r := range ranges {
		if r.Contains(k) {
			fmt.Println(k, "-> shard", i)
		}
	}
	// Output:
	// 16955237001963240173058271559858726497 -> shard 0
}
