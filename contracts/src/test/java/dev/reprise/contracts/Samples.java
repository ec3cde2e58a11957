package dev.reprise.contracts;

import dev.reprise.contracts.recording.KeptRange;
import dev.reprise.contracts.recording.RecordingEdited;
import dev.reprise.contracts.recording.RecordingFile;
import dev.reprise.contracts.recording.RecordingFileKind;
import dev.reprise.contracts.recording.VoiceInterval;
import jakarta.annotation.Nullable;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.fail;

/** Builds event data records reflectively with sample values, so the tests cover every catalogued type. */
final class Samples {

    static final Instant SAMPLE_INSTANT = Instant.parse("2025-03-01T18:30:00.123Z");

    /**
     * Records whose constructors check more than non-null: how to turn the generic sample arguments (by component
     * name) into ones the constructor accepts. A record with a new cross-field invariant gets an entry here.
     */
    private static final Map<Class<?>, Consumer<Map<String, Object>>> INVARIANTS = Map.of(
            // speakerId is present exactly for TRACK files, whatever withOptionals says.
            RecordingFile.class, args -> args.put("speakerId",
                    args.get("kind") == RecordingFileKind.TRACK ? "RecordingFile.speakerId-sample" : null),
            // 0 <= startMs < endMs.
            VoiceInterval.class, args -> args.put("endMs", (long) args.get("startMs") + 1_000L),
            // 0 <= sourceStartMs < sourceEndMs.
            KeptRange.class, args -> args.put("sourceEndMs", (long) args.get("sourceStartMs") + 1_000L),
            // sourceVersion < version; kept ranges back to back from 0 in the new version, adding up to durationMs.
            RecordingEdited.class, Samples::editedInvariants);

    private Samples() {
    }

    private static void editedInvariants(Map<String, Object> args) {
        args.put("sourceVersion", (int) args.get("version") - 1);
        List<KeptRange> contiguous = new ArrayList<>();
        long target = 0;
        for (Object item : (List<?>) args.get("keptRanges")) {
            KeptRange range = (KeptRange) item;
            contiguous.add(new KeptRange(range.sourceStartMs(), range.sourceEndMs(), target));
            target += range.lengthMs();
        }
        args.put("keptRanges", contiguous);
        args.put("durationMs", target);
    }

    static boolean isNullable(RecordComponent component) {
        return component.isAnnotationPresent(Nullable.class);
    }

    /**
     * A record instance.
     *
     * @param withOptionals whether {@code @Nullable} components get a value (otherwise {@code null}), unless an
     *                      invariant of the record decides (see {@link #INVARIANTS})
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
        Consumer<Map<String, Object>> invariant = INVARIANTS.get(type);
        if (invariant != null) {
            Map<String, Object> byName = new LinkedHashMap<>();
            for (int i = 0; i < components.length; i++) {
                byName.put(components[i].getName(), args[i]);
            }
            invariant.accept(byName);
            for (int i = 0; i < components.length; i++) {
                args[i] = byName.get(components[i].getName());
            }
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
        if (raw == double.class || raw == Double.class) {
            return -16.25 - variant;
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

    /** Enough variants to use every constant of every enum in the record (recursively, also in list items). */
    static int variantsFor(Class<?> type) {
        int max = 2;
        for (RecordComponent c : type.getRecordComponents()) {
            Class<?> t = itemType(c);
            t = t == null ? c.getType() : t;
            if (t.isEnum()) {
                max = Math.max(max, t.getEnumConstants().length);
            } else if (t.isRecord()) {
                max = Math.max(max, variantsFor(t));
            }
        }
        return max;
    }

    /** The item class of a {@code List<X>} component, or {@code null} if the component is not a list. */
    static Class<?> itemType(RecordComponent component) {
        return component.getType() == List.class && component.getGenericType() instanceof ParameterizedType p
                ? (Class<?>) p.getActualTypeArguments()[0]
                : null;
    }
}
