package dev.reprise.platform.outbox;

import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * {@code /q/health/well}: DOWN while the broker refuses an event for good (its key's events wait), or while the
 * relay keeps failing with events pending. Not a readiness check: requests are still served, and the events
 * are not lost, only late.
 */
@Wellness
@ApplicationScoped
public class OutboxHealthCheck implements HealthCheck {

    /** Failing longer than this with events pending is worth a look. */
    private static final double STALLED_SECONDS = 60;

    private final OutboxRelayService relay;

    public OutboxHealthCheck(OutboxRelayService relay) {
        this.relay = relay;
    }

    @Override
    public HealthCheckResponse call() {
        OutboxRelayService.Status status = relay.status();
        double sinceSuccess = (System.currentTimeMillis() - relay.lastSuccess().toEpochMilli()) / 1000.0;
        // Failing now (the backlog figure may be stale while the database is away too), or idle with rows waiting.
        boolean stalled = !relay.isPaused() && sinceSuccess > STALLED_SECONDS
                && (status.lastFailure() != null || status.oldestPendingSeconds() > STALLED_SECONDS);
        HealthCheckResponseBuilder response = HealthCheckResponse.named("outbox")
                .status(status.blockedKeys().isEmpty() && !stalled)
                .withData("blockedKeys", status.blockedKeys().size())
                .withData("oldestPendingSeconds", Math.round(status.oldestPendingSeconds()))
                .withData("secondsSinceSuccess", Math.round(sinceSuccess));
        status.blockedKeys().stream().limit(3).forEach(blocked -> response.withData("blocked." + blocked.key(),
                "event " + blocked.eventId() + ", " + blocked.attempts() + " attempts: " + blocked.error()));
        if (status.lastFailure() != null) {
            response.withData("lastFailure", status.lastFailure());
        }
        return response.build();
    }
}
