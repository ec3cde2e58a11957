package dev.reprise.deploy;

import static dev.reprise.deploy.Kustomize.kind;
import static dev.reprise.deploy.Kustomize.name;
import static dev.reprise.deploy.Kustomize.ofKind;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a reviewer checks in rendered manifests before they reach a cluster, as rules over the objects: every
 * violation is one line naming the object and the rule.
 */
final class ManifestPolicy {

    private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet", "Job");

    private ManifestPolicy() {
    }

    /** Rules for every environment. */
    static List<String> violations(List<JsonNode> objects) {
        List<String> violations = new ArrayList<>();
        for (JsonNode object : objects) {
            String id = kind(object) + "/" + name(object);
            if (WORKLOADS.contains(kind(object))) {
                workload(id, object.path("spec").path("template").path("spec"), !"Job".equals(kind(object)), violations);
            }
            if ("ServiceAccount".equals(kind(object)) && !object.path("automountServiceAccountToken").isBoolean()) {
                violations.add(id + ": automountServiceAccountToken must be set (false unless the API is needed)");
            }
            if ("PodDisruptionBudget".equals(kind(object))
                    && object.path("spec").path("selector").path("matchLabels").size() < 2) {
                violations.add(id + ": its selector must name the service (an empty one selects every pod)");
            }
            if ("Secret".equals(kind(object)) && (object.has("data") || object.has("stringData"))) {
                violations.add(id + ": a Secret with values; secrets are created in the cluster, never committed");
            }
        }
        return violations;
    }

    /** Rules for production on top of {@link #violations}: two replicas at least and a disruption budget each. */
    static List<String> productionViolations(List<JsonNode> objects) {
        List<String> violations = new ArrayList<>(violations(objects));
        Set<String> budgeted = ofKind(objects, "PodDisruptionBudget").stream()
                .map(budget -> budget.path("spec").path("selector").path("matchLabels")
                        .path("app.kubernetes.io/name").asText())
                .collect(Collectors.toSet());
        Set<String> autoscaled = ofKind(objects, "HorizontalPodAutoscaler").stream()
                .filter(hpa -> hpa.path("spec").path("minReplicas").asInt(1) >= 2)
                .map(hpa -> hpa.path("spec").path("scaleTargetRef").path("name").asText())
                .collect(Collectors.toSet());
        for (JsonNode deployment : ofKind(objects, "Deployment")) {
            String id = "Deployment/" + name(deployment);
            if (deployment.path("spec").path("replicas").asInt(1) < 2) {
                violations.add(id + ": fewer than 2 replicas in production");
            }
            String app = deployment.path("spec").path("template").path("metadata").path("labels")
                    .path("app.kubernetes.io/name").asText();
            if (!budgeted.contains(app)) {
                violations.add(id + ": no PodDisruptionBudget selects it");
            }
            if (!autoscaled.contains(name(deployment)) && !ofKind(objects, "HorizontalPodAutoscaler").isEmpty()) {
                violations.add(id + ": its autoscaler may scale it below 2 replicas");
            }
        }
        return violations;
    }

    /** @param longRunning probes are asked of servers; a Job's container runs to completion */
    private static void workload(String id, JsonNode pod, boolean longRunning, List<String> violations) {
        JsonNode podSecurity = pod.path("securityContext");
        if (pod.path("automountServiceAccountToken").asBoolean(true)) {
            violations.add(id + ": mounts a service account token");
        }
        List<JsonNode> containers = new ArrayList<>();
        pod.path("initContainers").forEach(containers::add);
        pod.path("containers").forEach(containers::add);
        for (JsonNode container : containers) {
            String where = id + " container " + container.path("name").asText();
            JsonNode security = container.path("securityContext");
            boolean nonRoot = security.path("runAsNonRoot").asBoolean(podSecurity.path("runAsNonRoot").asBoolean(false));
            long user = security.path("runAsUser").asLong(podSecurity.path("runAsUser").asLong(-1));
            if (!nonRoot || user == 0) {
                violations.add(where + ": may run as root (runAsNonRoot and a non-zero runAsUser are required)");
            }
            if (!security.path("readOnlyRootFilesystem").asBoolean(false)) {
                violations.add(where + ": root filesystem is writable");
            }
            if (security.path("allowPrivilegeEscalation").asBoolean(true)) {
                violations.add(where + ": allows privilege escalation");
            }
            if (security.path("privileged").asBoolean(false)) {
                violations.add(where + ": privileged");
            }
            boolean dropsAll = false;
            for (JsonNode capability : security.path("capabilities").path("drop")) {
                dropsAll |= "ALL".equals(capability.asText());
            }
            if (!dropsAll || security.path("capabilities").has("add")) {
                violations.add(where + ": must drop ALL capabilities and add none");
            }
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                if (longRunning && !container.has(probe)) {
                    violations.add(where + ": no " + probe);
                }
            }
            JsonNode limits = container.path("resources").path("limits");
            if (!limits.has("cpu") || !limits.has("memory")) {
                violations.add(where + ": needs cpu and memory limits");
            }
            if (!container.path("resources").path("requests").has("memory")) {
                violations.add(where + ": needs a memory request");
            }
            String image = container.path("image").asText();
            String tag = image.contains("@") ? "digest" : image.substring(image.lastIndexOf('/') + 1).contains(":")
                    ? image.substring(image.lastIndexOf(':') + 1) : "";
            if (tag.isEmpty() || "latest".equals(tag)) {
                violations.add(where + ": image " + image + " has no fixed tag");
            }
            for (JsonNode env : container.path("env")) {
                if (env.has("value") && looksSecret(env.path("name").asText())) {
                    violations.add(where + ": " + env.path("name").asText() + " is set inline; take it from a Secret");
                }
            }
        }
    }

    private static boolean looksSecret(String name) {
        String upper = name.toUpperCase();
        return upper.contains("PASSWORD") || upper.contains("SECRET") || upper.contains("JAAS") || upper.contains("TOKEN")
                || upper.endsWith("_KEY") && !upper.endsWith("PUBLIC_KEY");
    }
}
