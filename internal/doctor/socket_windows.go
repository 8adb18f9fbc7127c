package doctor

// socketCheck: a named pipe has no file mode to check; ipc.Pipe gives it a
// DACL for the user alone when spind creates it.
func socketCheck(pipe string) Check {
	return Check{OK, "socket", "named pipe " + pipe + " (only you may open it)", ""}
}
