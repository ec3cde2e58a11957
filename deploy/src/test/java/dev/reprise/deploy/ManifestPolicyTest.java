package dev.reprise.deploy;

import static dev.reprise.deploy.Kustomize.name;
import static dev.reprise.deploy.Kustomize.ofKind;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reprise.stack.ServiceSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The overlays render, hold every service, and pass the policy a reviewer would check by hand. */
class ManifestPolicyTest {

    static final Path DEV = Path.of("overlays/dev");
    static final Path PROD = Path.of("overlays/prod");

    @Test
    void everyOverlayRendersEveryServiceWithItsServiceAccountBudgetAndAutoscaler() {
        for (Path overlay : List.of(DEV, PROD)) {
            List<JsonNode> objects = Kustomize.render(overlay);
            List<String> services = ServiceSpec.ALL.stream().map(ServiceSpec::name).toList();
            for (String kind : List.of("Deployment", "Service", "ServiceAccount", "PodDisruptionBudget",
                    "HorizontalPodAutoscaler")) {
                assertThat(ofKind(objects, kind).stream().filter(ManifestPolicyTest::partOfReprise).map(Kustomize::name))
                        .as("%s in %s", kind, overlay).containsExactlyInAnyOrderElementsOf(services);
            }
            assertThat(objects).allSatisfy(object -> assertThat(object.path("metadata").path("namespace").asText())
                    .as("namespace of %s", name(object)).isEqualTo("reprise"));
        }
    }

    private static boolean partOfReprise(JsonNode object) {
        return "reprise".equals(object.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText());
    }

    @Test
    void devPassesThePolicy() {
        assertThat(ManifestPolicy.violations(Kustomize.render(DEV))).isEmpty();
    }

    @Test
    void prodPassesThePolicyWithTwoReplicasAndABudgetForEveryService() {
        assertThat(ManifestPolicy.productionViolations(Kustomize.render(PROD))).isEmpty();
    }

    /** The rules can fail: a manifest breaking each of them is caught, rule by rule. */
    @Test
    void aManifestBreakingEveryRuleIsCaughtOnEachOfThem() {
        List<String> violations = ManifestPolicy.productionViolations(
                Kustomize.render(Path.of("src/test/resources/broken")));
        assertThat(violations).anyMatch(v -> v.contains("may run as root"))
                .anyMatch(v -> v.contains("root filesystem is writable"))
                .anyMatch(v -> v.contains("allows privilege escalation"))
                .anyMatch(v -> v.contains("must drop ALL capabilities"))
                .anyMatch(v -> v.contains("no startupProbe"))
                .anyMatch(v -> v.contains("no livenessProbe"))
                .anyMatch(v -> v.contains("no readinessProbe"))
                .anyMatch(v -> v.contains("needs cpu and memory limits"))
                .anyMatch(v -> v.contains("has no fixed tag"))
                .anyMatch(v -> v.contains("DB_PASSWORD is set inline"))
                .anyMatch(v -> v.contains("a Secret with values"))
                .anyMatch(v -> v.contains("mounts a service account token"))
                .anyMatch(v -> v.contains("fewer than 2 replicas"))
                .anyMatch(v -> v.contains("no PodDisruptionBudget selects it"))
                .anyMatch(v -> v.contains("an empty one selects every pod"));
    }
}
