package dev.reprise.deploy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** No secret value is committed anywhere in the repository: secrets are made in the cluster (deploy/README.md). */
class NoSecretsInRepositoryTest {

    private static final Path REPOSITORY = Path.of("..");
    /** The fixtures that break the rules on purpose, to show the checks can fail. */
    private static final Path FIXTURES = Path.of("src/test/resources/broken");
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN [A-Z ]*PRIVATE KEY-----\\s*[A-Za-z0-9+/=]{40,}");

    @Test
    void noFileHoldsASecretsValuesOrAPrivateKey() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(REPOSITORY)) {
            files.filter(Files::isRegularFile).filter(NoSecretsInRepositoryTest::committedSource)
                    .forEach(file -> found.addAll(secretsIn(file)));
        }
        assertThat(found).isEmpty();
    }

    @Test
    void theCheckFindsTheSecretInTheFixture() {
        assertThat(secretsIn(FIXTURES.resolve("broken.yaml"))).singleElement().asString()
                .contains("careless-credentials");
    }

    private static boolean committedSource(Path file) {
        String path = REPOSITORY.relativize(file).toString().replace('\\', '/');
        return !path.startsWith(".git/") && !path.contains("target/") && !path.contains("node_modules/")
                && !file.toAbsolutePath().normalize().startsWith(FIXTURES.toAbsolutePath().normalize());
    }

    static List<String> secretsIn(Path file) {
        List<String> found = new ArrayList<>();
        String text;
        try {
            text = Files.readString(file);
        } catch (MalformedInputException binary) {
            return found; // gzipped schemas, archives: no text to look at
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (PRIVATE_KEY.matcher(text).find()) {
            found.add(file + ": a private key");
        }
        String name = file.getFileName().toString();
        if ((name.endsWith(".yaml") || name.endsWith(".yml")) && text.contains("Secret")) {
            try {
                for (JsonNode document : YamlDocuments.read(new ByteArrayInputStream(text.getBytes(UTF_8)))) {
                    if ("Secret".equals(document.path("kind").asText())
                            && (document.has("data") || document.has("stringData"))) {
                        found.add(file + ": Secret " + document.path("metadata").path("name").asText() + " with values");
                    }
                }
            } catch (IOException notKubernetesYaml) {
                // not YAML documents of objects (a template, say): nothing to check
            }
        }
        return found;
    }
}
