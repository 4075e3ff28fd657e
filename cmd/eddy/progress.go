package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/producer"
)

// progressLine redraws one line on a terminal with the records a producer
// has written and its current rate, until stopped.
type progressLine struct {
	w     io.Writer
	stats func() producer.Stats
	start time.Time
	// samples are the recent counts, for the current rate.
	samples []progressSample

	stopOnce sync.Once
	done     chan struct{}
	wg       sync.WaitGroup
}

// progressSample is a record count at a time.
type progressSample struct {
	at      time.Time
	records int64
}

// progressWindow is the time the current rate is measured over.
const progressWindow = 2 * time.Second

// startProgressLine starts redrawing the line every interval.
func startProgressLine(w io.Writer, stats func() producer.Stats, interval time.Duration) *progressLine {
	p := &progressLine{w: w, stats: stats, start: time.Now(), done: make(chan struct{})}
	p.wg.Go(func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-p.done:
				return
			case now := <-ticker.C:
				fmt.Fprint(p.w, "\r"+p.line(now, p.stats())+"\x1b[K")
			}
		}
	})
	return p
}

// stop stops redrawing and erases the line. A nil line does nothing.
func (p *progressLine) stop() {
	if p == nil {
		return
	}
	p.stopOnce.Do(func() {
		close(p.done)
		p.wg.Wait()
		fmt.Fprint(p.w, "\r\x1b[K")
	})
}

// line returns the text of the line at now.
func (p *progressLine) line(now time.Time, s producer.Stats) string {
	p.samples = append(p.samples, progressSample{now, s.Records})
	for len(p.samples) > 2 && now.Sub(p.samples[1].at) >= progressWindow {
		p.samples = p.samples[1:]
	}
	first := progressSample{at: p.start}
	if len(p.samples) > 1 {
		first = p.samples[0]
	}
	var rate float64
	if d := now.Sub(first.at).Seconds(); d > 0 {
		rate = float64(s.Records-first.records) / d
	}
	line := fmt.Sprintf("%s records  %s  %s records/s", formatCount(s.Records), formatBytes(s.Bytes), formatCount(int64(rate+0.5)))
	if s.BufferedRecords > 0 {
		line += fmt.Sprintf("  %s buffered", formatCount(int64(s.BufferedRecords)))
	}
	if s.Errors > 0 {
		line += fmt.Sprintf("  %s failed", formatCount(s.Errors))
	}
	return line
}

// formatCount writes n with thousands separators: 1,234,567.
func formatCount(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + formatCount(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// formatBytes writes a byte count with a binary unit: 512 B, 1.5 KiB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	value, prefix := float64(n)/unit, 0
	for value >= unit && prefix < 4 {
		value /= unit
		prefix++
	}
	return fmt.Sprintf("%.1f %ciB", value, "KMGTP"[prefix])
}

// writerIsTerminal reports whether w is a terminal.
func writerIsTerminal(w io.Writer) bool {
	file, ok := w.(*os.File)
	return ok && isTerminal(file)
}
