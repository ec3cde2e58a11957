package dev.reprise.storage;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the service's bucket answers, within {@code reprise.s3.health-timeout}. */
@Readiness
@ApplicationScoped
public class ObjectStorageHealthCheck implements HealthCheck {

    private final ObjectStorage storage;

    public ObjectStorageHealthCheck(ObjectStorage storage) {
        this.storage = storage;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            return HealthCheckResponse.named("object-storage").status(storage.bucketReachable())
                    .withData("bucket", storage.bucket()).build();
        } catch (Exception e) {
            return HealthCheckResponse.named("object-storage").down()
                    .withData("bucket", storage.bucket()).withData("error", e.toString()).build();
        }
    }
}
