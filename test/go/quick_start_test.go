package quickstart

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheQuickStartSynthesizesAPipelineAndTwoEnvironments(t *testing.T) {
	assembly := NewQuickStartApp(t.TempDir()).Synth(nil)
	template := func(stackName string) Template {
		return assembly.GetStackByName(&stackName).Template().(map[string]interface{})
	}

	if err := CheckPipelineStack(template("Web")); err != nil {
		t.Errorf("stack Web: %v", err)
	}
	for stackName, minCapacity := range map[string]string{"Web-dev": "1", "Web-prod": "2"} {
		if err := CheckEnvironmentStack(template(stackName), minCapacity); err != nil {
			t.Errorf("stack %s: %v", stackName, err)
		}
	}
	// A wrong expectation fails: dev keeps one instance, not two.
	if err := CheckEnvironmentStack(template("Web-dev"), "2"); err == nil || !strings.Contains(err.Error(), "MinSize 2") {
		t.Errorf("stack Web-dev checked for 2 instances: expected an error naming MinSize 2, got %v", err)
	}
}

// The checks must fail on a template that breaks them: each fixture breaks one.
func TestTheChecksRejectTemplatesThatBreakThem(t *testing.T) {
	cases := []struct {
		fixture string
		check   func(Template) error
		want    string
	}{
		{"pipeline-without-state-machine", CheckPipelineStack, "AWS::StepFunctions::StateMachine"},
		{"environment-with-rolling-update", func(t Template) error { return CheckEnvironmentStack(t, "1") }, "AutoScalingInstanceRefresh"},
	}
	for _, c := range cases {
		err := c.check(readFixture(t, c.fixture))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: expected an error naming %q, got %v", c.fixture, c.want, err)
		}
	}
}

func readFixture(t *testing.T, name string) Template {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "bindings", name+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var template Template
	if err := json.Unmarshal(data, &template); err != nil {
		t.Fatal(err)
	}
	return template
}
