package dev.reprise.platform.rest;

import dev.reprise.platform.problem.ProblemException;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.ext.ParamConverter;
import jakarta.ws.rs.ext.ParamConverterProvider;
import jakarta.ws.rs.ext.Provider;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads query parameters of simple types and reports a value that does not convert as a 400 naming the parameter.
 * JAX-RS answers such a value with 404, as if {@code /rooms?page=abc} were an unknown resource, and says nothing
 * about which parameter was wrong. Path parameters keep JAX-RS' 404: a malformed id names no resource.
 */
@Provider
public class QueryParameterConverters implements ParamConverterProvider {

    private static final Map<Class<?>, Function<String, ?>> INTEGERS = Map.of(
            int.class, Integer::valueOf, Integer.class, Integer::valueOf,
            long.class, Long::valueOf, Long.class, Long::valueOf,
            short.class, Short::valueOf, Short.class, Short::valueOf);

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T> ParamConverter<T> getConverter(Class<T> rawType, Type genericType, Annotation[] annotations) {
        String name = queryParameterName(annotations);
        if (name == null) {
            return null;
        }
        Function<String, ?> integer = INTEGERS.get(rawType);
        if (integer != null) {
            return (ParamConverter<T>) converter(name, integer, "must be a whole number"
                    + (rawType == int.class || rawType == Integer.class
                            ? " from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE : ""));
        }
        if (rawType == boolean.class || rawType == Boolean.class) {
            return (ParamConverter<T>) converter(name, QueryParameterConverters::strictBoolean,
                    "must be true or false");
        }
        if (rawType == double.class || rawType == Double.class) {
            return (ParamConverter<T>) converter(name, Double::valueOf, "must be a number");
        }
        if (rawType == UUID.class) {
            return (ParamConverter<T>) converter(name, UUID::fromString, "must be a UUID");
        }
        if (rawType.isEnum()) {
            Class<? extends Enum> enumType = (Class<? extends Enum>) rawType;
            String constants = Arrays.stream(enumType.getEnumConstants()).map(Object::toString)
                    .collect(Collectors.joining(", "));
            return (ParamConverter<T>) converter(name, value -> Enum.valueOf(enumType, value),
                    "must be one of " + constants);
        }
        return null;
    }

    private static String queryParameterName(Annotation[] annotations) {
        if (annotations == null) {
            return null;
        }
        for (Annotation annotation : annotations) {
            if (annotation instanceof QueryParam query) {
                return query.value();
            }
        }
        return null;
    }

    private static <V> ParamConverter<V> converter(String name, Function<String, V> parse, String rule) {
        return new ParamConverter<>() {
            @Override
            public V fromString(String value) {
                if (value == null) {
                    return null;
                }
                try {
                    return parse.apply(value);
                } catch (IllegalArgumentException e) {
                    // NumberFormatException included; the caller's value is not echoed back
                    throw ProblemException.invalidField(name, rule);
                }
            }

            @Override
            public String toString(V value) {
                return value == null ? null : value.toString();
            }
        };
    }

    private static Boolean strictBoolean(String value) {
        return switch (value) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("not a boolean: " + value);
        };
    }
}
