package e2e

import (
	"strings"
	"testing"
)

// spin doctor checks every stored key set with STS GetCallerIdentity
// through spind, against the emulator, which verifies SigV4: the right
// keys pass, a wrong secret and an access key IAM does not know (deleted)
// fail with the key set named and the command that fixes it, and a key set
// a profile names but the keyring lacks fails too. --offline makes no call.
func TestDoctorChecksKeySetsWithSTS(t *testing.T) {
	w := newWorld(t, worldOptions{profiles: "  ghosted:\n    source: ghost\n    role_arn: arn:aws:iam::" + account + ":role/r\n"})
	w.addKeys()
	w.run(testKeyID+"\nwrongSecretKeyDoNotLeak/abcdefghijklmnop12\n", "keys", "add", "wrongsecret", "--stdin")
	w.run("AKIAE2EDELETEDKEY001\n"+testSecret+"\n", "keys", "add", "deletedkey", "--stdin")
	defer w.try("", "keys", "remove", "wrongsecret", "--yes")
	defer w.try("", "keys", "remove", "deletedkey", "--yes")

	out, _, err := w.try("", "doctor")
	if exitCode(err) != 1 {
		t.Errorf("doctor: %v, want exit 1", err)
	}
	for _, want := range []string{
		"ok   key set " + w.keySet + ": AKIA…0001 is arn:aws:iam::" + account + ":user/cloudspin_user (STS GetCallerIdentity)\n",
		"FAIL key set wrongsecret: STS refused the secret of AKIA…0001 (SignatureDoesNotMatch): the key set holds a wrong secret access key (fix: spin keys add wrongsecret --force, with the secret that belongs to AKIA…0001)\n",
		"FAIL key set deletedkey: STS does not know AKIA…Y001 (InvalidClientTokenId): the access key was deleted in IAM or is not active (fix: create a new access key for the user in IAM, then spin keys add deletedkey --force)\n",
		"FAIL key set ghost: not in the keyring, but profile ghosted names it (fix: spin keys add ghost)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks\n%s\nin\n%s", want, out)
		}
	}
	if strings.Contains(out, "wrongSecretKey") || strings.Contains(out, testSecret) {
		t.Errorf("doctor printed a secret:\n%s", out)
	}
	if n := w.emu.Calls("GetCallerIdentity"); n != 1 {
		t.Errorf("GetCallerIdentity calls = %d, want 1 (the good key set)", n)
	}

	w.emu.ResetCounters()
	out, _, _ = w.try("", "doctor", "--offline")
	if strings.Contains(out, "GetCallerIdentity") || w.emu.Calls("GetCallerIdentity") != 0 || w.emu.Rejections("SignatureDoesNotMatch") != 0 {
		t.Errorf("doctor --offline called STS:\n%s", out)
	}
	if !strings.Contains(out, "FAIL key set ghost: not in the keyring") {
		t.Errorf("doctor --offline lacks the missing key set:\n%s", out)
	}
}
