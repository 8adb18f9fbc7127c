package service

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
)

// plutil is not here: parse the rendered agent as XML and walk it as a
// property list (a plist element holding one value; dicts alternate key
// and value; arrays hold values), as launchd's parser would.
func TestLaunchdPlistIsWellFormed(t *testing.T) {
	for _, u := range []Unit{
		{Spind: "/opt/homebrew/bin/spind"},
		{Spind: "/Users/a&b <c>/bin/spind", Config: `/Users/x/"spin".yaml`},
	} {
		text, err := Render(Launchd, u)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(text), `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`) {
			t.Errorf("no XML declaration and plist doctype:\n%s", text)
		}
		v, err := parsePlist(string(text))
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		top, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("top level is %T, want a dict", v)
		}
		args := []any{u.Spind}
		if u.Config != "" {
			args = append(args, "--config", u.Config)
		}
		want := map[string]any{
			"Label":            "dev.cloudspin.spind",
			"ProgramArguments": args,
			"RunAtLoad":        true,
			"KeepAlive":        map[string]any{"SuccessfulExit": false},
		}
		if fmt.Sprint(top) != fmt.Sprint(want) {
			t.Errorf("plist =\n%v\nwant\n%v", top, want)
		}
	}
}

func parsePlist(s string) (any, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	root, err := nextStart(d)
	if err != nil {
		return nil, err
	}
	if root.Name.Local != "plist" || attr(root, "version") != "1.0" {
		return nil, fmt.Errorf("root element %s version %q, want plist 1.0", root.Name.Local, attr(root, "version"))
	}
	first, err := nextStart(d)
	if err != nil {
		return nil, err
	}
	v, err := plistValue(d, first)
	if err != nil {
		return nil, err
	}
	if tok, err := nextStart(d); err != io.EOF {
		return nil, fmt.Errorf("plist holds more than one value: %v %v", tok.Name.Local, err)
	}
	return v, nil
}

// nextStart returns the next start element, failing on stray text and
// returning io.EOF at the end of the enclosing element.
func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return tok, nil
		case xml.EndElement:
			return xml.StartElement{}, io.EOF
		case xml.CharData:
			if strings.TrimSpace(string(tok)) != "" {
				return xml.StartElement{}, fmt.Errorf("stray text %q", tok)
			}
		}
	}
}

func plistValue(d *xml.Decoder, el xml.StartElement) (any, error) {
	switch el.Name.Local {
	case "string", "integer", "real", "date", "data":
		var s string
		err := d.DecodeElement(&s, &el)
		return s, err
	case "true", "false":
		if err := d.Skip(); err != nil {
			return nil, err
		}
		return el.Name.Local == "true", nil
	case "array":
		out := []any{}
		for {
			c, err := nextStart(d)
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			v, err := plistValue(d, c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	case "dict":
		out := map[string]any{}
		for {
			k, err := nextStart(d)
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			if k.Name.Local != "key" {
				return nil, fmt.Errorf("dict entry starts with <%s>, want <key>", k.Name.Local)
			}
			var key string
			if err := d.DecodeElement(&key, &k); err != nil {
				return nil, err
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("duplicate key %q", key)
			}
			ve, err := nextStart(d)
			if err != nil {
				return nil, fmt.Errorf("key %q has no value: %v", key, err)
			}
			if out[key], err = plistValue(d, ve); err != nil {
				return nil, err
			}
		}
	}
	return nil, fmt.Errorf("<%s> is not a plist value", el.Name.Local)
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
