package dev.reprise.platform.inbox;

import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/** {@code /q/health/well}: DOWN while a consumer has been retrying one event for longer than {@code stuck-after}. */
@Wellness
@ApplicationScoped
public class InboxHealthCheck implements HealthCheck {

    private final Inbox inbox;

    public InboxHealthCheck(Inbox inbox) {
        this.inbox = inbox;
    }

    @Override
    public HealthCheckResponse call() {
        Instant stuckBefore = Instant.now().minus(inbox.config().stuckAfter());
        boolean stuck = false;
        HealthCheckResponseBuilder response = HealthCheckResponse.named("inbox");
        for (Inbox.Retrying event : inbox.retrying().values()) {
            stuck |= event.since().isBefore(stuckBefore);
            response.withData(event.consumer(), "event " + event.eventId() + " (" + event.type() + ") retried "
                    + event.attempts().get() + " times for " + Duration.between(event.since(), Instant.now()).toSeconds()
                    + " s: " + event.lastError());
        }
        return response.status(!stuck).build();
    }
}
