package dev.reprise.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Renders a kustomization with {@code kubectl kustomize}, offline, as platform teams' pipelines do. */
final class Kustomize {

    private Kustomize() {
    }

    /** Every object the kustomization in {@code dir} renders, in order. */
    static List<JsonNode> render(Path dir) {
        try {
            Process kubectl = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false)
                    .start();
            byte[] output = kubectl.getInputStream().readAllBytes();
            String errors = new String(kubectl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kubectl.waitFor(60, TimeUnit.SECONDS) || kubectl.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + dir + " failed: " + errors);
            }
            List<JsonNode> objects = YamlDocuments.read(new ByteArrayInputStream(output));
            return objects;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kubectl (it renders the overlays; see deploy/README.md)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String kind(JsonNode object) {
        return object.path("kind").asText();
    }

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(object -> kind.equals(kind(object))).toList();
    }
}
