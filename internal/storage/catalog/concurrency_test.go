package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConcurrentReadersAndWriters runs writers that increment a counter
// in a shared stream, create and delete streams and split shards, against
// readers that check every value they see. Run it with -race.
func TestConcurrentReadersAndWriters(t *testing.T) {
	c, path := openTest(t)
	mustCreate(t, c, "shared", 2)

	const writers, updates = 4, 25
	var done atomic.Bool
	var writeWG, readWG sync.WaitGroup
	errs := make(chan error, 64)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}

	for w := range writers {
		writeWG.Go(func() {
			own := fmt.Sprintf("w%d", w)
			if _, err := c.CreateStream(own, 1, testNow, 0, "", nil); err != nil {
				report(err)
				return
			}
			for i := range updates {
				_, err := c.UpdateStream("shared", func(s *Stream) error {
					n, _ := strconv.Atoi(s.Attrs["n"])
					if s.Attrs == nil {
						s.Attrs = map[string]string{}
					}
					s.Attrs["n"] = strconv.Itoa(n + 1)
					return nil
				})
				if err != nil {
					report(err)
					return
				}
				switch i % 5 {
				case 1:
					if _, err := c.AddShards(own, split(len(mustStream(c, own).Shards)-1, uint64(i))); err != nil {
						report(err)
					}
				case 3:
					tmp := fmt.Sprintf("tmp-%d-%d", w, i)
					if _, err := c.CreateStream(tmp, 3, testNow, 0, "", nil); err != nil {
						report(err)
					}
					if err := c.DeleteStream(tmp); err != nil {
						report(err)
					}
				}
			}
		})
	}

	for range 4 {
		readWG.Go(func() {
			last := 0
			for !done.Load() {
				s, err := c.Stream("shared")
				if err != nil {
					report(err)
					return
				}
				if err := validateStream(&s); err != nil {
					report(err)
				}
				n, _ := strconv.Atoi(s.Attrs["n"])
				if n < last {
					report(fmt.Errorf("counter went back from %d to %d", last, n))
				}
				last = n
				s.Attrs = map[string]string{"n": "-1"} // must not leak into the catalog

				all := c.Streams()
				if !slices.IsSortedFunc(all, func(a, b Stream) int { return strings.Compare(a.Name, b.Name) }) {
					report(fmt.Errorf("streams not sorted"))
				}
				for _, s := range all {
					if err := validateStream(&s); err != nil {
						report(err)
					}
					if byID, ok := c.StreamByID(s.ID); ok && byID.Name != s.Name {
						report(fmt.Errorf("id %d names %q and %q", s.ID, s.Name, byID.Name))
					}
				}
				for uid, ref := range c.LiveShardUIDs() {
					if uid == 0 || ref.StreamName == "" {
						report(fmt.Errorf("bad ref %d: %+v", uid, ref))
					}
				}
			}
		})
	}

	writeWG.Wait()
	done.Store(true)
	readWG.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	s := mustStream(c, "shared")
	require.Equal(t, strconv.Itoa(writers*updates), s.Attrs["n"], "no update is lost")
	want := c.Streams()
	require.Len(t, want, 1+writers)
	require.Equal(t, want, reopen(t, c, path).Streams())
}

func mustStream(c *Catalog, name string) Stream {
	s, err := c.Stream(name)
	if err != nil {
		panic(err)
	}
	return s
}
