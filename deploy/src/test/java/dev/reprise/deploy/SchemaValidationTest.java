package dev.reprise.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every object both overlays render is valid, strictly, for Kubernetes 1.32 and the operators' CRDs. */
class SchemaValidationTest {

    private static final Schemas SCHEMAS = new Schemas();

    @Test
    void everyRenderedObjectOfEveryOverlayIsValid() {
        for (Path overlay : List.of(ManifestPolicyTest.DEV, ManifestPolicyTest.PROD)) {
            List<JsonNode> objects = Kustomize.render(overlay);
            List<String> problems = new ArrayList<>();
            objects.forEach(object -> problems.addAll(SCHEMAS.problems(object)));
            assertThat(problems).as("%s (%d objects)", overlay, objects.size()).isEmpty();
        }
    }

    /** The check can fail: misspelt, misplaced and mistyped fields in each family of schema are caught. */
    @Test
    void aManifestWithUnknownOrMistypedFieldsIsRefused() {
        List<String> problems = new ArrayList<>();
        Kustomize.render(Path.of("src/test/resources/broken-schema"))
                .forEach(object -> problems.addAll(SCHEMAS.problems(object)));
        assertThat(problems).anyMatch(p -> p.contains("Deployment") && p.contains("replica"))
                .anyMatch(p -> p.contains("Deployment") && p.contains("readOnlyRootFileSystem"))
                .anyMatch(p -> p.contains("KafkaTopic") && p.contains("partition"))
                .anyMatch(p -> p.contains("Cluster") && p.contains("instance"))
                .anyMatch(p -> p.contains("HTTPRoute") && p.contains("backendRef"))
                .anyMatch(p -> p.contains("ServiceMonitor") && p.contains("endpoint"))
                .anyMatch(p -> p.contains("BackendTrafficPolicy") && p.contains("requestBufer"))
                .anyMatch(p -> p.contains("Widget") && p.contains("no schema"));
    }
}
