package launch

// CloseInherited does nothing on Windows: a process inherits only the
// handles its parent marked inheritable and passed on purpose.
func CloseInherited() (closed []int) { return nil }
