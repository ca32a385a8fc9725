package dev.cdkimmutableservers.quickstart;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.cxapi.CloudAssembly;

class QuickStartTest {
    @Test
    void theQuickStartSynthesizesAPipelineAndTwoEnvironments(@TempDir Path outdir) {
        CloudAssembly assembly = QuickStart.create(outdir.toString()).synth();

        assertNull(TemplateChecks.pipelineStack(template(assembly, "Web")), "stack Web");
        assertNull(TemplateChecks.environmentStack(template(assembly, "Web-dev"), "1"), "stack Web-dev");
        assertNull(TemplateChecks.environmentStack(template(assembly, "Web-prod"), "2"), "stack Web-prod");
        // A wrong expectation fails: dev keeps one instance, not two.
        assertContains(TemplateChecks.environmentStack(template(assembly, "Web-dev"), "2"), "MinSize 2");
    }

    // The checks must fail on a template that breaks them: each fixture breaks one.
    @Test
    void theChecksRejectTemplatesThatBreakThem() throws IOException {
        assertContains(TemplateChecks.pipelineStack(fixture("pipeline-without-state-machine")), "AWS::StepFunctions::StateMachine");
        assertContains(TemplateChecks.environmentStack(fixture("environment-with-rolling-update"), "1"), "AutoScalingInstanceRefresh");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> template(CloudAssembly assembly, String stackName) {
        return (Map<String, Object>) assembly.getStackByName(stackName).getTemplate();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fixture(String name) throws IOException {
        Path file = Path.of("..", "fixtures", "bindings", name + ".template.json");
        return new ObjectMapper().readValue(file.toFile(), Map.class);
    }

    private static void assertContains(String problem, String expected) {
        assertNotNull(problem, "expected an error naming " + expected);
        assertTrue(problem.contains(expected), "expected an error naming " + expected + ", got " + problem);
    }
}
