package dev.reprise.room;

import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.ReadinessChecks;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;

@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "room-service"))
class RoomServiceReadinessTest extends ReadinessChecks {

    @Override
    protected List<String> expectedChecks() {
        return List.of("PostgreSQL", "Kafka");
    }
}
