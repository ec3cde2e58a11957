package dev.reprise.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** The documents of a multi-document YAML stream ({@code ---} separated), empty ones left out. */
final class YamlDocuments {

    private static final YAMLMapper YAML = new YAMLMapper();

    private YamlDocuments() {
    }

    static List<JsonNode> read(InputStream in) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> all = YAML.readerFor(JsonNode.class).readValues(in)) {
            while (all.hasNext()) {
                JsonNode document = all.next();
                if (document != null && !document.isNull() && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }
}
