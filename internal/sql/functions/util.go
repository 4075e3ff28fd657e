package functions

import "sort"

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CanRemove reports whether acc supports Remove.
func CanRemove(acc Accumulator) bool {
	if d, ok := acc.(*distinctAcc); ok {
		return CanRemove(d.inner)
	}
	_, ok := acc.(Remover)
	return ok
}
