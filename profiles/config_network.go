package profiles

import (
	"github.com/cloudspin/spin/internal/awsnet"
)

// networkKeys are the keys under network:.
var networkKeys = []string{"https_proxy", "no_proxy", "ca_bundle"}

func serviceKeys() []string {
	var out []string
	for _, s := range awsnet.Services() {
		out = append(out, string(s))
	}
	return out
}

// endpoints reads `endpoints: {sts: URL, ...}`: where spind sends each
// service's calls instead of AWS (a local emulator, a VPC endpoint).
func (p *parser) endpoints(e entry) {
	const where = "in endpoints"
	for _, f := range p.section(e, "endpoints", serviceKeys()) {
		p.origin("endpoints."+f.Name, f.Key)
		s, ok := p.str(f, where)
		if !ok || s == "" {
			continue
		}
		if err := awsnet.CheckEndpoint(s); err != nil {
			p.Errorf(f.Val, "%s endpoint %q %s: %v", f.Name, s, where, err)
			continue
		}
		p.cfg.Net.Endpoints[awsnet.Service(f.Name)] = s
		p.cfg.Net.From = "config.yaml"
	}
}

// network reads `network: {https_proxy, no_proxy, ca_bundle}`, which a
// corporate network needs to reach AWS at all.
func (p *parser) network(e entry) {
	const where = "in network"
	n := &p.cfg.Net.Network
	for _, f := range p.section(e, "network", networkKeys) {
		p.origin("network."+f.Name, f.Key)
		s, ok := p.str(f, where)
		if !ok || s == "" {
			continue
		}
		switch f.Name {
		case "https_proxy":
			if err := awsnet.CheckProxy(s); err != nil {
				p.Errorf(f.Val, "https_proxy %q %s: %v", awsnet.Redact(s), where, err)
				continue
			}
			n.HTTPSProxy = s
		case "no_proxy":
			n.NoProxy = s
		case "ca_bundle":
			path, err := expandHome(s)
			if err == nil {
				err = awsnet.CheckCABundle(path)
			}
			if err != nil {
				p.Errorf(f.Val, "ca_bundle %q %s: %v", s, where, err)
				continue
			}
			n.CABundle = path
		}
		p.cfg.Net.From = "config.yaml"
	}
}
