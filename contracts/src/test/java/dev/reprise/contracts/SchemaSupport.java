package dev.reprise.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loads the JSON Schemas from the class path, follows their {@code $ref}s, and validates with a real validator. */
final class SchemaSupport {

    /** Base of every schema {@code $id}; the path after it is the class path location under {@code schemas/}. */
    static final String ID_BASE = "https://reprise.dev/schemas/";
    static final String DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, JsonNode> CACHE = new ConcurrentHashMap<>();

    // Every $id/$ref under ID_BASE is served from the class path, so validation never touches the network.
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(ID_BASE, "classpath:schemas/")));
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true)
            .build();

    private SchemaSupport() {
    }

    /** A schema node together with the class path resource it was found in (to resolve relative refs). */
    record Located(String resource, JsonNode node) {
    }

    static boolean exists(String resource) {
        return SchemaSupport.class.getClassLoader().getResource(resource) != null;
    }

    static JsonNode load(String resource) {
        return CACHE.computeIfAbsent(resource, r -> {
            try (InputStream in = SchemaSupport.class.getClassLoader().getResourceAsStream(r)) {
                assertNotNull(in, "missing class path resource " + r);
                return JSON.readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Follows {@code $ref} (relative file and/or JSON pointer fragment) until a node without one. */
    static Located resolve(Located located) {
        Located current = located;
        for (int hops = 0; current.node().has("$ref"); hops++) {
            assertTrue(hops < 10, "$ref loop at " + current.resource());
            String ref = current.node().get("$ref").asText();
            assertTrue(!ref.startsWith("http:") && !ref.startsWith("https:"),
                    "$ref must be relative, so it resolves offline: " + ref + " in " + current.resource());
            int hash = ref.indexOf('#');
            String file = hash < 0 ? ref : ref.substring(0, hash);
            String pointer = hash < 0 ? "" : ref.substring(hash + 1);
            String resource = file.isEmpty()
                    ? current.resource()
                    : URI.create(current.resource()).resolve(file).toString();
            JsonNode target = load(resource).at(pointer);
            assertTrue(!target.isMissingNode(), "unresolvable $ref " + ref + " in " + current.resource());
            current = new Located(resource, target);
        }
        return current;
    }

    static JsonSchema validator(String schemaResource) {
        assertTrue(schemaResource.startsWith("schemas/"), schemaResource);
        return FACTORY.getSchema(SchemaLocation.of(ID_BASE + schemaResource.substring("schemas/".length())), CONFIG);
    }

    static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
