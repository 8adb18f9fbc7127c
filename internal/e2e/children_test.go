package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// childRoleEnv makes the test binary act as a child program:
//
//	sdk:   call GetCallerIdentity through aws-sdk-go-v2's default chain and
//	       print the ARN
//	account: print the AccountID aws-sdk-go-v2's default chain read with
//	       the credentials
//	probe: ask the container-credentials endpoint without and with a wrong
//	       token and print the two status codes, then the endpoint's URL
const childRoleEnv = "SPIN_E2E_CHILD"

func childMain(role string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch role {
	case "sdk":
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sdk child:", err)
			return 1
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "sdk child:", err)
			return 1
		}
		fmt.Println(aws.ToString(out.Arn))
	case "account":
		cfg, err := config.LoadDefaultConfig(ctx)
		if err == nil {
			var c aws.Credentials
			if c, err = cfg.Credentials.Retrieve(ctx); err == nil {
				fmt.Println(c.AccountID)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "account child:", err)
			return 1
		}
	case "probe":
		url := os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
		for _, tok := range []string{"", "wrong-token"} {
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			if tok != "" {
				req.Header.Set("Authorization", tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				fmt.Fprintln(os.Stderr, "probe child:", err)
				return 1
			}
			resp.Body.Close()
			fmt.Println(resp.StatusCode)
		}
		fmt.Println(url)
	default:
		fmt.Fprintln(os.Stderr, "unknown child role", role)
		return 2
	}
	return 0
}
