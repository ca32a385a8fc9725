package quickstart

import (
	"fmt"
	"reflect"
)

// Template is a CloudFormation template parsed from JSON.
type Template = map[string]interface{}

// CheckPipelineStack returns an error unless the template has one CodePipeline and a Step
// Functions state machine (the bake).
func CheckPipelineStack(template Template) error {
	if n := len(resourcesOfType(template, "AWS::CodePipeline::Pipeline")); n != 1 {
		return fmt.Errorf("expected 1 AWS::CodePipeline::Pipeline, found %d", n)
	}
	if len(resourcesOfType(template, "AWS::StepFunctions::StateMachine")) == 0 {
		return fmt.Errorf("expected an AWS::StepFunctions::StateMachine, found none")
	}
	return nil
}

// CheckEnvironmentStack returns an error unless the template has one Auto Scaling group that
// instance refresh updates and that keeps minCapacity instances once a release exists.
func CheckEnvironmentStack(template Template, minCapacity string) error {
	groups := resourcesOfType(template, "AWS::AutoScaling::AutoScalingGroup")
	if len(groups) != 1 {
		return fmt.Errorf("expected 1 AWS::AutoScaling::AutoScalingGroup, found %d", len(groups))
	}
	group := groups[0]
	policy, _ := group["UpdatePolicy"].(map[string]interface{})
	if _, ok := policy["AutoScalingInstanceRefresh"]; !ok {
		return fmt.Errorf("expected the Auto Scaling group's UpdatePolicy to have AutoScalingInstanceRefresh, got %v", group["UpdatePolicy"])
	}
	// No instances before the first release, minCapacity after it: {"Fn::If": [cond, min, "0"]}.
	properties, _ := group["Properties"].(map[string]interface{})
	minSize, _ := properties["MinSize"].(map[string]interface{})
	branches, _ := minSize["Fn::If"].([]interface{})
	if len(branches) != 3 || !reflect.DeepEqual(branches[1:], []interface{}{minCapacity, "0"}) {
		return fmt.Errorf("expected MinSize %s once released and 0 before, got %v", minCapacity, properties["MinSize"])
	}
	return nil
}

func resourcesOfType(template Template, resourceType string) []map[string]interface{} {
	resources, _ := template["Resources"].(map[string]interface{})
	var found []map[string]interface{}
	for _, resource := range resources {
		if r, ok := resource.(map[string]interface{}); ok && r["Type"] == resourceType {
			found = append(found, r)
		}
	}
	return found
}
