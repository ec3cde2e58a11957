package dev.reprise.contracts;

import jakarta.annotation.Nullable;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.fail;

/** Builds event data records reflectively with sample values, so the tests cover every catalogued type. */
final class Samples {

    static final Instant SAMPLE_INSTANT = Instant.parse("2025-03-01T18:30:00.123Z");

    private Samples() {
    }

    static boolean isNullable(RecordComponent component) {
        return component.isAnnotationPresent(Nullable.class);
    }

    /**
     * A record instance.
     *
     * @param withOptionals whether {@code @Nullable} components get a value (otherwise {@code null})
     * @param variant       picks enum constants ({@code variant % constants}) and boolean values (odd = false)
     */
    static <T> T record(Class<T> type, boolean withOptionals, int variant) {
        if (!type.isRecord()) {
            fail(type.getName() + " is not a record");
        }
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            args[i] = isNullable(c) && !withOptionals
                    ? null
                    : value(c.getGenericType(), type.getSimpleName() + "." + c.getName(), withOptionals, variant);
        }
        return construct(type, args);
    }

    static <T> T construct(Class<T> type, Object[] args) {
        Class<?>[] parameterTypes = Arrays.stream(type.getRecordComponents())
                .map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            Constructor<T> constructor = type.getDeclaredConstructor(parameterTypes);
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new AssertionError(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot construct " + type.getName(), e);
        }
    }

    static Object value(Type genericType, String name, boolean withOptionals, int variant) {
        Class<?> raw = genericType instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) genericType;
        if (raw == UUID.class) {
            return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
        }
        if (raw == String.class) {
            return name + "-sample";
        }
        if (raw == Instant.class) {
            return SAMPLE_INSTANT.plusSeconds(variant);
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return variant % 2 == 0;
        }
        if (raw == int.class || raw == Integer.class) {
            return 42 + variant;
        }
        if (raw == long.class || raw == Long.class) {
            return 4_200_000_000L + variant;
        }
        if (raw.isEnum()) {
            Object[] constants = raw.getEnumConstants();
            return constants[variant % constants.length];
        }
        if (raw.isRecord()) {
            return record(raw, withOptionals, variant);
        }
        if (raw == List.class && genericType instanceof ParameterizedType p) {
            return List.of(value(p.getActualTypeArguments()[0], name + "[0]", withOptionals, variant));
        }
        return fail("no sample value for " + genericType + " (" + name + "): extend Samples and the schema checks");
    }

    /** Enough variants to use every constant of every enum in the record (recursively). */
    static int variantsFor(Class<?> type) {
        int max = 2;
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.getType().isEnum()) {
                max = Math.max(max, c.getType().getEnumConstants().length);
            } else if (c.getType().isRecord()) {
                max = Math.max(max, variantsFor(c.getType()));
            }
        }
        return max;
    }
}
