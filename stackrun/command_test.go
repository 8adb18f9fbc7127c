package stackrun

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
)

func TestPrintOutputsHidesSensitive(t *testing.T) {
	out := map[string]tfexec.OutputMeta{
		"b_role_arn": {Value: json.RawMessage(`"arn:aws:iam::123456789012:role/b"`)},
		"a_secret":   {Value: json.RawMessage(`"hunter2"`), Sensitive: true},
	}
	var b strings.Builder
	if err := PrintOutputs(&b, out, false); err != nil {
		t.Fatal(err)
	}
	if want := "a_secret = <sensitive>\nb_role_arn = \"arn:aws:iam::123456789012:role/b\"\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := PrintOutputs(&b, out, true); err != nil {
		t.Fatal(err)
	}
	var back map[string]tfexec.OutputMeta
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil || !back["a_secret"].Sensitive {
		t.Errorf("JSON %q: %v", b.String(), err)
	}
}
