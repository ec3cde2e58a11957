package dev.reprise.deploy;

import static dev.reprise.deploy.Kustomize.name;
import static dev.reprise.deploy.Kustomize.ofKind;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reprise.stack.ServiceSpec;
import dev.reprise.stack.runtime.ServiceJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The images are named and tagged in one place (the parent pom), the manifests run exactly those, and the images
 * start their JVM as the local run and the benchmarks do. ImagesIT checks the built images themselves.
 */
class ImageSettingsTest {

    static final Path REPOSITORY = Path.of("..");

    @Test
    void theImagesRunTheJvmOptionsAndEnvironmentOfTheLocalRunAndTheBenchmarks() throws IOException {
        assertThat(parentProperty("reprise.service.jvm-options").split(","))
                .containsExactly(ServiceJvm.DEFAULT_JVM_OPTIONS.split(" "));
        ServiceJvm.ENVIRONMENT.forEach((variable, value) -> {
            try {
                assertThat(parentProperty("quarkus.jib.environment-variables." + variable)).isEqualTo(value);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void everyOverlayRunsEachServiceFromItsImageAtTheBuildVersion() throws IOException {
        String version = buildVersion();
        String group = parentProperty("reprise.image.group");
        for (Path overlay : List.of(ManifestPolicyTest.DEV, ManifestPolicyTest.PROD)) {
            List<JsonNode> deployments = ofKind(Kustomize.render(overlay), "Deployment");
            for (ServiceSpec service : ServiceSpec.ALL) {
                JsonNode deployment = deployments.stream().filter(d -> name(d).equals(service.name())).findFirst()
                        .orElseThrow(() -> new AssertionError("no Deployment " + service.name() + " in " + overlay));
                List<String> images = new ArrayList<>();
                deployment.path("spec").path("template").path("spec").path("containers")
                        .forEach(container -> images.add(container.path("image").asText()));
                assertThat(images).as("%s in %s", service.name(), overlay)
                        .containsExactly(group + "/" + service.name() + ":" + version);
            }
        }
    }

    @Test
    void theAudioServicesGetTheBaseWithTheAudioTools() throws IOException {
        List<String> audio = new ArrayList<>();
        for (ServiceSpec service : ServiceSpec.ALL) {
            String pom = Files.readString(REPOSITORY.resolve(service.name()).resolve("pom.xml"));
            if (pom.contains("<reprise.image.base>audio</reprise.image.base>")) {
                audio.add(service.name());
            }
        }
        assertThat(audio).containsExactlyInAnyOrder("recording-service", "clip-service", "transcript-service");
    }

    /** The project version, which Maven gives the tests (surefire's reprise.version). */
    static String buildVersion() {
        String version = System.getProperty("reprise.version");
        assertThat(version).as("the reprise.version system property (set in deploy/pom.xml)").isNotBlank();
        return version;
    }

    /** A property of the parent pom, the one place image names, tags and JVM options are set. */
    static String parentProperty(String name) throws IOException {
        String pom = Files.readString(REPOSITORY.resolve("pom.xml"));
        Matcher value = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</" + Pattern.quote(name) + ">")
                .matcher(pom);
        assertThat(value.find()).as("property %s in the parent pom", name).isTrue();
        return value.group(1).strip();
    }

    static List<String> jvmOptions() throws IOException {
        return Arrays.asList(parentProperty("reprise.service.jvm-options").split(","));
    }
}
