package dev.reprise.platform.testapp;

import dev.reprise.contracts.Topic;
import dev.reprise.stack.testing.LocalStackTestResource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The local stack, with the test application on room-service's database (unused in this module's JVM) and a
 * dead-letter topic of its own.
 */
public class PlatformTestResource extends LocalStackTestResource {

    public static final String APPLICATION = "platform-test";

    @Override
    public void init(Map<String, String> initArgs) {
        super.init(Map.of(SERVICE_ARG, "room-service"));
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", config.get("kafka.bootstrap.servers")))) {
            admin.createTopics(List.of(new NewTopic(Topic.deadLetterTopic(APPLICATION), Topic.DEAD_LETTER_PARTITIONS,
                    (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the test dead-letter topic", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return config;
    }
}
