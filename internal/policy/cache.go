package policy

import "sync"

// Cache keeps parsed policies by document, so that a policy stored as
// text is parsed once, not on every request. It is safe for concurrent
// use.
type Cache struct {
	max int

	mu      sync.Mutex
	entries map[string]*Policy
}

// NewCache returns a cache of at most max documents (it is emptied when
// full); max <= 0 means 1024.
func NewCache(max int) *Cache {
	if max <= 0 {
		max = 1024
	}
	return &Cache{max: max, entries: map[string]*Policy{}}
}

// Get returns the parsed form of a stored document. The document was
// validated against its resource when it was stored, so only its
// structure is checked here (Parse with no resource ARN). An empty
// document is no policy: nil, nil.
func (c *Cache) Get(doc string) (*Policy, error) {
	if doc == "" {
		return nil, nil
	}
	c.mu.Lock()
	p, ok := c.entries[doc]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := Parse(doc, "")
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[doc] = p
	c.mu.Unlock()
	return p, nil
}
