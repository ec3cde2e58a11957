package dev.reprise.deploy;

import static dev.reprise.deploy.Kustomize.name;
import static dev.reprise.deploy.Kustomize.ofKind;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reprise.stack.ServiceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a service reads from its environment and what the manifests give it are the same set: a setting a service
 * reads that the manifests do not provide (it would run on its laptop default in the cluster), or one the
 * manifests set that no service reads (a typo, or a setting left behind), fails.
 */
class ConfigurationInStepTest {

    private static final Path REPOSITORY = Path.of("..");
    /** {@code ${NAME}} or {@code ${NAME:default}} with an environment variable's name. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::[^}]*)?}");

    @Test
    void everyServiceGetsExactlyTheEnvironmentItReadsInEveryOverlay() throws IOException {
        for (Path overlay : List.of(ManifestPolicyTest.DEV, ManifestPolicyTest.PROD)) {
            List<JsonNode> objects = Kustomize.render(overlay);
            for (ServiceSpec service : ServiceSpec.ALL) {
                assertThat(provided(objects, service.name())).as("%s in %s", service.name(), overlay)
                        .isEqualTo(read(service.name()));
            }
        }
    }

    @Test
    void theScanFindsWhatAServiceReads() throws IOException {
        assertThat(read("room-service")).contains("DB_HOST", "KAFKA_BOOTSTRAP_SERVERS", "JWT_ISSUER", "HTTP_PORT")
                .doesNotContain("S3_BUCKET");
        assertThat(read("recording-service")).contains("S3_BUCKET", "S3_ENDPOINT", "S3_SECRET_KEY");
    }

    /** Variables in the service's configuration and in the shared defaults of the modules it builds on. */
    static Set<String> read(String service) throws IOException {
        Set<String> variables = new TreeSet<>();
        scan(REPOSITORY.resolve(service).resolve("src/main/resources/application.properties"), variables);
        scan(REPOSITORY.resolve("platform/src/main/resources/META-INF/microprofile-config.properties"), variables);
        if (Files.readString(REPOSITORY.resolve(service).resolve("pom.xml")).contains("<artifactId>storage</artifactId>")) {
            scan(REPOSITORY.resolve("storage/src/main/resources/META-INF/microprofile-config.properties"), variables);
        }
        return variables;
    }

    private static void scan(Path properties, Set<String> variables) throws IOException {
        for (String line : Files.readAllLines(properties)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.startsWith("%")) {
                continue; // comments, and profiles other than production
            }
            Matcher variable = VARIABLE.matcher(trimmed);
            while (variable.find()) {
                variables.add(variable.group(1));
            }
        }
    }

    /** The environment the service's container gets: its env entries and the keys of the ConfigMaps it loads. */
    static Set<String> provided(List<JsonNode> objects, String service) {
        JsonNode deployment = ofKind(objects, "Deployment").stream().filter(d -> name(d).equals(service)).findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + service));
        Set<String> variables = new TreeSet<>();
        for (JsonNode container : deployment.path("spec").path("template").path("spec").path("containers")) {
            container.path("env").forEach(env -> variables.add(env.path("name").asText()));
            for (JsonNode source : container.path("envFrom")) {
                String configMap = source.path("configMapRef").path("name").asText();
                assertThat(source.has("secretRef")).as("secrets are loaded key by key, never whole").isFalse();
                JsonNode data = ofKind(objects, "ConfigMap").stream().filter(c -> name(c).equals(configMap))
                        .findFirst().orElseThrow(() -> new AssertionError("no ConfigMap " + configMap)).path("data");
                data.fieldNames().forEachRemaining(variables::add);
            }
        }
        return variables;
    }
}
