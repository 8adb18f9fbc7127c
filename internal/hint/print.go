package hint

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudspin/spin/internal/termtext"
)

// Print is the one place spin's errors reach the user: `spin: <message>`,
// then `spin: hint: <next step>` when the error carries one (Hinter). Of
// several problems (a config with many), each gets a line of its own.
// Messages carry text from spind, AWS and files: no escape sequence in
// them reaches the terminal.
func Print(w io.Writer, err error) {
	h := Of(err)
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) && len(multi.Unwrap()) > 1 {
		errs := multi.Unwrap()
		for _, x := range errs[:len(errs)-1] {
			fmt.Fprintf(w, "spin: %s\n", oneLine(x))
		}
		err = errs[len(errs)-1]
	}
	fmt.Fprintf(w, "spin: %s\n", oneLine(err))
	if h != "" {
		fmt.Fprintf(w, "spin: hint: %s\n", termtext.Clean(h))
	}
}

func oneLine(err error) string {
	return termtext.Clean(strings.ReplaceAll(err.Error(), "\n", " "))
}
