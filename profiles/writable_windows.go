package profiles

// writable has no access(2) to ask on Windows; the write itself reports a
// read-only file or directory.
func writable(string, bool) error { return nil }
