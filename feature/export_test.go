package feature

// FastPathTaken reports whether ParseRaw decodes data without
// encoding/json.
func FastPathTaken(data []byte) bool {
	var d Decoder
	_, _, ok := d.parseFast(data)
	return ok
}
