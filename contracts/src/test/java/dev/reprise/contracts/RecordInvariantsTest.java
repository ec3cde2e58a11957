package dev.reprise.contracts;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Producers cannot build an event that violates its schema's {@code required}: every non-{@code @Nullable}
 * reference component is checked in the record's constructor (which also makes {@link EventJson#read} reject it).
 */
class RecordInvariantsTest {

    @TestFactory
    Stream<DynamicTest> requiredComponentsRejectNull() {
        Set<Class<?>> records = new LinkedHashSet<>();
        EventCatalog.all().forEach(t -> collectRecords(t.dataClass(), records));
        return records.stream().map(type -> DynamicTest.dynamicTest(type.getSimpleName(), () -> {
            RecordComponent[] components = type.getRecordComponents();
            for (int i = 0; i < components.length; i++) {
                RecordComponent c = components[i];
                if (c.getType().isPrimitive()) {
                    continue;
                }
                Object[] args = argsOf(Samples.record(type, true, 0));
                args[i] = null;
                if (Samples.isNullable(c)) {
                    Object built = assertDoesNotThrow(() -> Samples.construct(type, args), c + " is @Nullable");
                    assertNull(c.getAccessor().invoke(built));
                } else {
                    NullPointerException e = assertThrows(NullPointerException.class,
                            () -> Samples.construct(type, args), type.getSimpleName() + "." + c.getName() + " must not be null");
                    assertEquals(c.getName(), e.getMessage());
                }
            }
        }));
    }

    private static Object[] argsOf(Object record) throws ReflectiveOperationException {
        RecordComponent[] components = record.getClass().getRecordComponents();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            args[i] = components[i].getAccessor().invoke(record);
        }
        return args;
    }

    private static void collectRecords(Class<?> type, Set<Class<?>> into) {
        if (type.isRecord() && into.add(type)) {
            for (RecordComponent c : type.getRecordComponents()) {
                collectRecords(c.getType(), into);
            }
        }
    }
}
