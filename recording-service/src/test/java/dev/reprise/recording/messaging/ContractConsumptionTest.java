package dev.reprise.recording.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.contracts.Topic;
import dev.reprise.platform.inbox.Inbox;
import dev.reprise.platform.inbox.InboxConsumer;
import dev.reprise.stack.testing.ContractOperations;
import dev.reprise.stack.testing.LocalStackTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The service handles exactly the events the AsyncAPI document says it receives: the document is the public
 * contract, and deploy/ grants the service's Kafka user its read rights from it.
 */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "recording-service"))
class ContractConsumptionTest {

    @Inject
    Inbox inbox;

    @Test
    void theConsumersHandleWhatTheAsyncApiDocumentSaysThisServiceReceives() {
        Map<String, Set<String>> handled = new TreeMap<>();
        for (Topic topic : Topic.values()) {
            for (InboxConsumer consumer : inbox.consumersOf(topic.topicName())) {
                handled.computeIfAbsent(topic.topicName(), t -> new TreeSet<>()).addAll(consumer.handledTypes());
            }
        }
        assertThat(handled).isNotEmpty().isEqualTo(ContractOperations.received("recording-service"));
    }
}
