// Package stackrun owns cloudspin-style stack instances: it loads and merges
// a stack folder's stack-instance-*.yaml files, turns them into what
// OpenTofu or Terraform needs (a JSON var-file, -backend-config settings and
// an explicit child environment) and runs the binary through
// github.com/hashicorp/terraform-exec with credentials brokered by spind.
//
// The runner never hands tofu an access key or a role ARN to assume: every
// role ARN of the stack config is mapped to the spin profile that names it,
// the backend gets profile=NAME and providers get AWS_PROFILE, and every AWS
// SDK inside tofu runs spin's credential_process helper, which asks spind.
//
// # Stack instance files
//
// stack-instance-defaults.yaml, stack-instance-local.yaml and, with an
// environment, environments/stack-instance-ENV.yaml are deep-merged in that
// order: mappings merge key by key, anything else (a string, a list, null)
// replaces what an earlier file set; null or "" unsets a setting. Every key
// is optional in every file; after merging, instance.group is required, and
// terraform_backend, when present, needs a bucket.
//
//	instance:
//	  group: kief_sandbox            # names the state key and the role session
//	parameters:                      # tofu variables, any YAML values
//	  api_user: cloudspin_user
//	terraform_backend:               # the s3 backend; leave out for local state
//	  bucket: statebucket-cloudspin-examples-123456789012
//	  key: iam-roles/kief.tfstate    # default <stack folder name>/<group>.tfstate
//	  region: eu-west-1              # default resources.region, then the profile's
//	  role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account
//	  profile: assume-cloudspin_examples-account  # or name the spin profile
//	  encrypt: true
//	  # For S3-compatible stores such as spin's emulator:
//	  endpoints: {s3: "http://127.0.0.1:45678", sts: "http://127.0.0.1:45678"}  # also iam
//	  use_path_style: true
//	  skip_credentials_validation: true
//	  skip_region_validation: true
//	  skip_requesting_account_id: true
//	  skip_metadata_api_check: true
//	  skip_s3_checksum: true
//	resources:                       # the providers' credentials (AWS_PROFILE)
//	  aws_profile: bootstrap         # a bootstrap profile, before the roles exist, or
//	  assume_role_profile: assume-cloudspin_examples-account
//	  assume_role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account
//	  region: eu-west-1              # AWS_REGION
//
// assume_role_profile and assume_role_arn win over aws_profile; when both
// are set they must name the same profile. The backend uses its own
// role_arn or profile, else the providers' profile. use_lockfile=true is
// always passed. Unknown keys and wrong types are errors at file:line:col.
package stackrun
