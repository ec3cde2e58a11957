package dev.reprise.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Offline, strict validation of rendered objects: the Kubernetes 1.32 API (its OpenAPI definitions) and the
 * operators' CustomResourceDefinitions, copied into src/test/resources/schemas (see the README there). Strict as
 * {@code kubectl apply --validate=strict} is: a field the schema does not list fails, except where the schema
 * itself allows unknown fields ({@code x-kubernetes-preserve-unknown-fields}).
 */
final class Schemas {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    private static final String OBJECT_META = "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    private static final List<String> FILES = List.of(
            "strimzi-0.49.1-040-Crd-kafka.yaml.gz", "strimzi-0.49.1-043-Crd-kafkatopic.yaml.gz",
            "strimzi-0.49.1-044-Crd-kafkauser.yaml.gz", "strimzi-0.49.1-045-Crd-kafkanodepool.yaml.gz",
            "cnpg-1.29.2-clusters.yaml.gz", "cnpg-1.29.2-scheduledbackups.yaml.gz", "cnpg-1.29.2-databases.yaml.gz",
            "gateway-api-1.3.0-gateways.yaml.gz", "gateway-api-1.3.0-httproutes.yaml.gz",
            "prometheus-operator-0.91.0-servicemonitors.yaml.gz",
            "envoy-gateway-1.7.5-backendtrafficpolicies.yaml.gz");

    private final ObjectNode definitions = NODES.objectNode();
    /** Schema by "apiVersion kind". */
    private final Map<String, JsonSchema> byKind = new HashMap<>();
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);

    Schemas() {
        JsonNode api = readJson("kubernetes-1.32.4.json.gz");
        Map<String, String> kinds = new HashMap<>();
        api.path("definitions").fields().forEachRemaining(definition -> {
            definitions.set(definition.getKey(), strict(definition.getValue()));
            for (JsonNode gvk : definition.getValue().path("x-kubernetes-group-version-kind")) {
                String group = gvk.path("group").asText();
                String apiVersion = group.isEmpty() ? gvk.path("version").asText() : group + "/" + gvk.path("version").asText();
                kinds.put(apiVersion + " " + gvk.path("kind").asText(), definition.getKey());
            }
        });
        // A quantity is written as a string ("500m", "4Gi") or a plain number.
        definitions.set(QUANTITY, anyOf("string", "number"));
        kinds.forEach((kind, definition) -> byKind.put(kind, compile(NODES.objectNode()
                .put("$ref", "#/definitions/" + definition))));
        for (String file : FILES) {
            for (JsonNode crd : readYaml(file)) {
                for (JsonNode version : crd.path("spec").path("versions")) {
                    JsonNode schema = version.path("schema").path("openAPIV3Schema");
                    if (!version.path("served").asBoolean(true) || schema.isMissingNode()) {
                        continue;
                    }
                    ObjectNode strict = (ObjectNode) strict(schema);
                    ((ObjectNode) strict.with("properties")).set("metadata", NODES.objectNode().put("$ref", OBJECT_META));
                    strict.put("additionalProperties", false);
                    byKind.put(crd.path("spec").path("group").asText() + "/" + version.path("name").asText() + " "
                            + crd.path("spec").path("names").path("kind").asText(), compile(strict));
                }
            }
        }
    }

    /** What is wrong with {@code object}, one line each; empty when it is valid. */
    List<String> problems(JsonNode object) {
        String kind = object.path("apiVersion").asText() + " " + object.path("kind").asText();
        String id = kind + " " + object.path("metadata").path("name").asText();
        JsonSchema schema = byKind.get(kind);
        if (schema == null) {
            return List.of(id + ": no schema for this apiVersion and kind");
        }
        Set<ValidationMessage> messages = schema.validate(object);
        return messages.stream().map(message -> id + ": " + message.getMessage()).sorted().toList();
    }

    private JsonSchema compile(ObjectNode schema) {
        schema.set("definitions", definitions);
        return factory.getSchema(schema);
    }

    /**
     * A JSON Schema (draft 4) copy of an OpenAPI schema: objects that list their properties are closed,
     * int-or-string is either, and nullable adds null.
     */
    private static JsonNode strict(JsonNode node) {
        if (node.isArray()) {
            ArrayNode copy = NODES.arrayNode();
            node.forEach(item -> copy.add(strict(item)));
            return copy;
        }
        if (!node.isObject()) {
            return node;
        }
        ObjectNode copy = NODES.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            if (key.equals("properties") || key.equals("patternProperties")) {
                ObjectNode properties = NODES.objectNode();
                field.getValue().fields().forEachRemaining(p -> properties.set(p.getKey(), strict(p.getValue())));
                copy.set(key, properties);
            } else if (!key.startsWith("x-kubernetes-") && !key.equals("description")) {
                copy.set(key, strict(field.getValue()));
            }
        }
        if ("int-or-string".equals(node.path("format").asText()) || node.path("x-kubernetes-int-or-string").asBoolean()) {
            return anyOf("string", "integer");
        }
        if (copy.has("properties") && !copy.has("additionalProperties")
                && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
            copy.put("additionalProperties", false);
        }
        if (node.path("nullable").asBoolean() && copy.has("type")) {
            copy.set("type", NODES.arrayNode().add(copy.get("type").asText()).add("null"));
        }
        copy.remove("nullable");
        return copy;
    }

    private static ObjectNode anyOf(String... types) {
        ArrayNode options = NODES.arrayNode();
        for (String type : types) {
            options.add(NODES.objectNode().put("type", type));
        }
        return NODES.objectNode().set("anyOf", options);
    }

    private static JsonNode readJson(String file) {
        try (InputStream in = open(file)) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema " + file, e);
        }
    }

    private static List<JsonNode> readYaml(String file) {
        try (InputStream in = open(file)) {
            return YamlDocuments.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema " + file, e);
        }
    }

    private static InputStream open(String file) throws IOException {
        InputStream packed = Schemas.class.getResourceAsStream("/schemas/" + file);
        if (packed == null) {
            throw new IllegalStateException("no schema " + file + " in src/test/resources/schemas");
        }
        return new GZIPInputStream(packed);
    }
}
