package dev.reprise.platform.testapp;

import dev.reprise.stack.testing.StackFaults;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A fault trigger on the test application's consumer: when a poll returns a record carrying {@link #HEADER}, the
 * broker is frozen right there, inside the poll, before the connector sees the record. Whatever the connector
 * then asks the broker about that record meets a broker that has stopped answering; a test can time that
 * precisely, which freezing from the test's own thread cannot.
 */
public class BrokerFreezingInterceptor implements ConsumerInterceptor<String, byte[]> {

    public static final String HEADER = "reprise-test-freeze-broker";

    /** Values of {@link #HEADER} already acted on (a redelivered record freezes nothing twice). */
    private static final Set<String> FROZEN_FOR = ConcurrentHashMap.newKeySet();

    public static boolean frozeFor(String trigger) {
        return FROZEN_FOR.contains(trigger);
    }

    @Override
    public ConsumerRecords<String, byte[]> onConsume(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            var header = record.headers().lastHeader(HEADER);
            if (header != null && FROZEN_FOR.add(new String(header.value(), StandardCharsets.UTF_8))) {
                StackFaults.freezeKafka();
            }
        }
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
