package release

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// MergeSBOMs joins the CycloneDX BOMs cyclonedx-gomod wrote for each binary
// of one archive into the archive's BOM: the archive is the described
// component, each binary one of its parts (with the binary's hashes as
// properties), and the modules and dependency edges are the union. name is
// the archive's file name; the timestamp is the commit's.
func MergeSBOMs(name, version string, date time.Time, boms [][]byte) ([]byte, error) {
	if len(boms) == 0 {
		return nil, fmt.Errorf("no SBOMs to merge for %s", name)
	}
	var out map[string]any
	var parts, components []any
	seen := map[string]bool{}
	deps := map[string][]any{}
	var depOrder []string
	for i, raw := range boms {
		var bom map[string]any
		if err := json.Unmarshal(raw, &bom); err != nil {
			return nil, fmt.Errorf("SBOM %d of %s: %w", i, name, err)
		}
		if bom["bomFormat"] != "CycloneDX" {
			return nil, fmt.Errorf("SBOM %d of %s is not CycloneDX", i, name)
		}
		meta, _ := bom["metadata"].(map[string]any)
		bin, ok := meta["component"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("SBOM %d of %s names no component", i, name)
		}
		if props, ok := meta["properties"]; ok {
			bin["properties"] = props
		}
		parts = append(parts, bin)
		list, _ := bom["components"].([]any)
		for _, c := range list {
			ref, _ := c.(map[string]any)["bom-ref"].(string)
			if !seen[ref] {
				seen[ref] = true
				components = append(components, c)
			}
		}
		dl, _ := bom["dependencies"].([]any)
		for _, d := range dl {
			dm, _ := d.(map[string]any)
			ref, _ := dm["ref"].(string)
			if _, ok := deps[ref]; !ok {
				depOrder = append(depOrder, ref)
				deps[ref] = []any{}
			}
			on, _ := dm["dependsOn"].([]any)
			for _, o := range on {
				if !slices.Contains(deps[ref], o) {
					deps[ref] = append(deps[ref], o)
				}
			}
		}
		if out == nil {
			out = bom
		}
	}
	slices.SortStableFunc(components, func(a, b any) int { return cmpRef(a, b, "bom-ref") })
	var dependencies []any
	slices.Sort(depOrder)
	for _, ref := range depOrder {
		d := map[string]any{"ref": ref}
		if len(deps[ref]) > 0 {
			d["dependsOn"] = deps[ref]
		}
		dependencies = append(dependencies, d)
	}
	meta := out["metadata"].(map[string]any)
	delete(meta, "properties")
	meta["timestamp"] = date.UTC().Format(time.RFC3339)
	meta["component"] = map[string]any{
		"bom-ref": name, "type": "application", "name": "spin", "version": version,
		"description": "spin release archive " + name, "components": parts,
	}
	delete(out, "serialNumber") // random per run; a reproducible BOM has none
	out["components"] = components
	out["dependencies"] = dependencies
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func cmpRef(a, b any, key string) int {
	ra, _ := a.(map[string]any)[key].(string)
	rb, _ := b.(map[string]any)[key].(string)
	switch {
	case ra < rb:
		return -1
	case ra > rb:
		return 1
	}
	return 0
}
