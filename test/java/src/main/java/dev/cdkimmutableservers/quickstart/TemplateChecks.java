package dev.cdkimmutableservers.quickstart;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Checks of the quick start's templates; each returns what is wrong, or null. */
public final class TemplateChecks {
    private TemplateChecks() {
    }

    /** One CodePipeline and a Step Functions state machine (the bake). */
    public static String pipelineStack(Map<String, Object> template) {
        int pipelines = resourcesOfType(template, "AWS::CodePipeline::Pipeline").size();
        if (pipelines != 1) {
            return "expected 1 AWS::CodePipeline::Pipeline, found " + pipelines;
        }
        if (resourcesOfType(template, "AWS::StepFunctions::StateMachine").isEmpty()) {
            return "expected an AWS::StepFunctions::StateMachine, found none";
        }
        return null;
    }

    /** One Auto Scaling group that instance refresh updates and that keeps minCapacity instances once released. */
    public static String environmentStack(Map<String, Object> template, String minCapacity) {
        List<Map<String, Object>> groups = resourcesOfType(template, "AWS::AutoScaling::AutoScalingGroup");
        if (groups.size() != 1) {
            return "expected 1 AWS::AutoScaling::AutoScalingGroup, found " + groups.size();
        }
        Map<String, Object> group = groups.get(0);
        if (!map(group.get("UpdatePolicy")).containsKey("AutoScalingInstanceRefresh")) {
            return "expected the Auto Scaling group's UpdatePolicy to have AutoScalingInstanceRefresh, got " + group.get("UpdatePolicy");
        }
        // No instances before the first release, minCapacity after it: {"Fn::If": [cond, min, "0"]}.
        Object minSize = map(group.get("Properties")).get("MinSize");
        Object branches = map(minSize).get("Fn::If");
        if (!(branches instanceof List<?> list) || list.size() != 3 || !Objects.equals(list.subList(1, 3), List.of(minCapacity, "0"))) {
            return "expected MinSize " + minCapacity + " once released and 0 before, got " + minSize;
        }
        return null;
    }

    private static List<Map<String, Object>> resourcesOfType(Map<String, Object> template, String type) {
        return map(template.get("Resources")).values().stream()
            .map(TemplateChecks::map)
            .filter(resource -> type.equals(resource.get("Type")))
            .toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> ? (Map<String, Object>) value : Map.of();
    }
}
