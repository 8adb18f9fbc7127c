package awsemu

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// AWS's limits on AssumeRole's attribution parameters: SourceIdentity
// (shown in CloudTrail for every action of the session and of sessions
// chained from it) and session tags (principal tags for policies; the
// transitive ones carry over into chained sessions).
const (
	maxSessionTags = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

var (
	sourceIdentityRE = regexp.MustCompile(`^[\w+=,.@-]*$`)
	tagTextRE        = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// Tag is one session tag.
type Tag struct{ Key, Value string }

// attribution is what AssumeRole recorded on a role session beyond its
// identity.
type attribution struct {
	sourceIdentity string
	tags           []Tag    // the request's tags plus the caller's transitive ones
	transitive     []string // keys that pass on to chained sessions
}

// SessionInfo describes an issued role session, for tests that check what
// a client asked STS for.
type SessionInfo struct {
	RoleARN           string // the assumed-role ARN (arn:aws:sts::…:assumed-role/NAME/SESSION)
	SourceIdentity    string
	Tags              map[string]string
	TransitiveTagKeys []string
}

// Session returns what the emulator recorded on the role session whose
// temporary access key id is id; false for unknown ids and sessions that
// are not role sessions.
func (e *Emulator) Session(id string) (SessionInfo, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.sessions[id]
	if !ok || s.role == nil {
		return SessionInfo{}, false
	}
	return s.role.info(), true
}

func (r *role) info() SessionInfo {
	in := SessionInfo{RoleARN: r.arn(), SourceIdentity: r.attr.sourceIdentity,
		TransitiveTagKeys: slices.Clone(r.attr.transitive)}
	if len(r.attr.tags) > 0 {
		in.Tags = make(map[string]string, len(r.attr.tags))
		for _, t := range r.attr.tags {
			in.Tags[t.Key] = t.Value
		}
	}
	return in
}

// attributionParams reads and checks SourceIdentity, Tags.member.N.Key/Value
// and TransitiveTagKeys.member.N the way STS does, and applies what a
// chained call inherits from its caller's session (prev, nil for a
// long-term key): the source identity, which can never change, and the
// transitive tags, which the request may not set again.
func attributionParams(p url.Values, prev *attribution) (attribution, *apiError) {
	var a attribution
	a.sourceIdentity = p.Get("SourceIdentity")
	if a.sourceIdentity != "" {
		if aerr := checkString("sourceIdentity", a.sourceIdentity, 2, 64, sourceIdentityRE, `[\w+=,.@-]*`); aerr != nil {
			return a, aerr
		}
	}
	if prev != nil && prev.sourceIdentity != "" {
		if a.sourceIdentity != "" && a.sourceIdentity != prev.sourceIdentity {
			return a, errAccessDenied("SourceIdentity cannot be changed: the calling session has source identity " + prev.sourceIdentity)
		}
		a.sourceIdentity = prev.sourceIdentity
	}
	tags, aerr := tagParams(p)
	if aerr != nil {
		return a, aerr
	}
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return a, newError(http.StatusBadRequest, "InvalidParameterValue",
				"Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	a.transitive = listParam(p, "TransitiveTagKeys")
	if len(a.transitive) > maxSessionTags {
		return a, errValidation("transitiveTagKeys", "", "Member must have length less than or equal to "+strconv.Itoa(maxSessionTags))
	}
	for _, k := range a.transitive {
		if !seen[strings.ToLower(k)] {
			return a, newError(http.StatusBadRequest, "InvalidParameterValue",
				"The specified transitive tag key must be included in the requested tags: %s", k)
		}
	}
	if prev != nil {
		for _, k := range prev.transitive {
			if seen[strings.ToLower(k)] {
				return a, newError(http.StatusBadRequest, "InvalidParameterValue",
					"One or more tags in the request conflict with transitive tags of the calling session: %s", k)
			}
			for _, t := range prev.tags {
				if strings.EqualFold(t.Key, k) {
					tags = append(tags, t)
				}
			}
			a.transitive = append(a.transitive, k)
		}
	}
	a.tags = tags
	return a, nil
}

// tagParams reads Tags.member.N.Key and .Value, N from 1 without gaps.
func tagParams(p url.Values) ([]Tag, *apiError) {
	var tags []Tag
	for i := 1; ; i++ {
		prefix := "Tags.member." + strconv.Itoa(i)
		key, hasKey := p[prefix+".Key"]
		val, hasVal := p[prefix+".Value"]
		if !hasKey && !hasVal {
			break
		}
		t := Tag{}
		if hasKey {
			t.Key = key[0]
		}
		if hasVal {
			t.Value = val[0]
		}
		field := "tags." + strconv.Itoa(i) + ".member"
		switch {
		case len(tags) == maxSessionTags:
			return nil, errValidation("tags", "", "Member must have length less than or equal to "+strconv.Itoa(maxSessionTags))
		case !hasKey || t.Key == "":
			return nil, errValidation(field+".key", "", "Member must not be null")
		case len(t.Key) > maxTagKeyLen:
			return nil, errValidation(field+".key", t.Key, "Member must have length less than or equal to "+strconv.Itoa(maxTagKeyLen))
		case !tagTextRE.MatchString(t.Key):
			return nil, errValidation(field+".key", t.Key, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return nil, newError(http.StatusBadRequest, "InvalidParameterValue", "Tag keys may not begin with aws: (%s)", t.Key)
		case !hasVal:
			return nil, errValidation(field+".value", "", "Member must not be null")
		case len(t.Value) > maxTagValueLen:
			return nil, errValidation(field+".value", t.Value, "Member must have length less than or equal to "+strconv.Itoa(maxTagValueLen))
		case !tagTextRE.MatchString(t.Value):
			return nil, errValidation(field+".value", t.Value, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		tags = append(tags, t)
	}
	return tags, nil
}

// listParam reads NAME.member.N, N from 1 without gaps.
func listParam(p url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := p[name+".member."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}
