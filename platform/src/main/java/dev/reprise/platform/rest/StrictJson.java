package dev.reprise.platform.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Request bodies are read strictly, for every service: a value must have its JSON type ({@code "recordingConsent": 1}
 * or {@code "true"} is not a boolean, {@code "title": 5} is not a string, {@code 0} is not an enum constant), a key
 * may appear once, nothing may follow the document, and strings carry no control characters but tab, line feed and
 * carriage return. Lenient reading would turn a client's mistake into a decision, and consent is one of them.
 * Each refusal surfaces as a Jackson exception that the problem mappers report as a 400.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    @SuppressWarnings("deprecation") // the mapper is built by Quarkus; configure() is the only way to reach it
    public void customize(ObjectMapper mapper) {
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS,
                DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        // Spelled out as well, so that no future default or module re-enables a coercion the feature switch covers.
        refuse(mapper, LogicalType.Boolean, CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.String, CoercionInputShape.EmptyString);
        refuse(mapper, LogicalType.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean,
                CoercionInputShape.String, CoercionInputShape.EmptyString);
        refuse(mapper, LogicalType.Float, CoercionInputShape.Boolean, CoercionInputShape.String,
                CoercionInputShape.EmptyString);
        refuse(mapper, LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean);
        refuse(mapper, LogicalType.Enum, CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean, CoercionInputShape.EmptyString);
        mapper.registerModule(new SimpleModule("reprise-strict-strings")
                .addDeserializer(String.class, new NoControlCharacterStrings()));
    }

    private static void refuse(ObjectMapper mapper, LogicalType target, CoercionInputShape... shapes) {
        for (CoercionInputShape shape : shapes) {
            mapper.coercionConfigFor(target).setCoercion(shape, CoercionAction.Fail);
        }
    }

    /** A string value with a control character in it: PostgreSQL refuses NUL, and the rest are never meant. */
    public static final class ControlCharacterException extends InvalidFormatException {

        public static final String MESSAGE = "must not contain control characters (such as NUL) other than tab, "
                + "line feed and carriage return";

        ControlCharacterException(JsonParser parser, String value) {
            super(parser, MESSAGE, value, String.class);
        }
    }

    /** Jackson's own string reading (and its coercion rules), then the control-character check. */
    static final class NoControlCharacterStrings extends StdScalarDeserializer<String> {

        NoControlCharacterStrings() {
            super(String.class);
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = StringDeserializer.instance.deserialize(parser, context);
            if (value != null && value.chars().anyMatch(NoControlCharacterStrings::isForbidden)) {
                throw new ControlCharacterException(parser, value);
            }
            return value;
        }

        @Override
        public Object getEmptyValue(DeserializationContext context) {
            return "";
        }

        private static boolean isForbidden(int c) {
            return Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r';
        }
    }
}
