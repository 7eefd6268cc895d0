package feature

// FastPathTaken reports whether ParseRaw decodes data without
// encoding/json.
func FastPathTaken(data []byte) bool {
	_, _, ok := parseFast(data)
	return ok
}
