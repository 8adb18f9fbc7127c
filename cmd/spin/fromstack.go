package main

import (
	"github.com/spf13/pflag"

	"github.com/cloudspin/spin/profiles"
)

// fromStackOptions are the flags --from-stack adds to `profiles write` and
// `profiles diff`.
type fromStackOptions struct {
	dir, environment, source, nameTemplate string
}

const fromStackHelp = `
  spin profiles write --from-stack examples/00-iam-roles
  spin profiles diff --from-stack examples/00-iam-roles --source cloudspin_user

With --from-stack DIR, spin first reads the outputs of the stack instance in
DIR (as 'spin output DIR' does, credentials from spind) and, for every
output named *_role_arn whose value is a role ARN, adds a profile to
config.yaml with that role_arn and source --source (default the stack's
parameters.api_user). --name-template names it: {{output}} is the output's
name without _role_arn, {{role}} the role's name, {{role_suffix}} the role's
name after its first -. The default, assume-{{role_suffix}}, turns role
spin_role-cloudspin_examples-account into assume-cloudspin_examples-account.
A profile config.yaml already defines with another role_arn or source is
updated only with --force, which then also applies to ~/.aws/config. diff
shows the change to config.yaml, then the one to ~/.aws/config.`

func addFromStackFlags(flags *pflag.FlagSet, o *fromStackOptions) {
	flags.StringVar(&o.dir, "from-stack", "", "first add profiles to config.yaml for the *_role_arn outputs of the stack in `DIR`")
	flags.StringVarP(&o.environment, "environment", "e", "", "with --from-stack: also merge environments/stack-instance-`ENV`.yaml")
	flags.StringVar(&o.source, "source", "", "with --from-stack: the profiles' `KEYSET` (default the stack's parameters.api_user)")
	flags.StringVar(&o.nameTemplate, "name-template", "", "with --from-stack: profile name `TEMPLATE` (default "+profiles.DefaultNameTemplate+")")
}
