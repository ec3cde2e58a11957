package dev.reprise.recording.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Tells the live streams of this replica, within milliseconds of the commit, that what they may record changed:
 * a speaker's consent (or their leaving), or the room's end. The projection notifies in the inbox transaction on
 * whichever replica consumed the event; every replica listens. After a reconnection of the listening session,
 * the streams re-read their state, so a notification missed meanwhile costs nothing.
 */
@ApplicationScoped
public class IngestNotifications {

    /** The PostgreSQL notification channel. */
    public static final String CHANNEL = "recording_ingest";

    private static final Logger LOG = Logger.getLogger(IngestNotifications.class);

    private final Vertx vertx;
    private final LiveTracks liveTracks;
    private final PgConnectOptions options;
    private PgSubscriber subscriber;

    public IngestNotifications(Vertx vertx, LiveTracks liveTracks,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password") String password) {
        this.vertx = vertx;
        this.liveTracks = liveTracks;
        this.options = PgConnectOptions.fromUri(url).setUser(user).setPassword(password);
    }

    /** {@code roomId}, or {@code roomId + "\n" + userId} for one speaker. */
    public static String payload(UUID roomId, String userId) {
        return userId == null ? roomId.toString() : roomId + "\n" + userId;
    }

    void start(@Observes StartupEvent started) {
        subscriber = PgSubscriber.subscriber(vertx, options);
        subscriber.reconnectPolicy(attempt -> 1000L);
        subscriber.channel(CHANNEL)
                .subscribeHandler(ignored -> liveTracks.recheckAll())
                .handler(this::received);
        connect();
    }

    private void connect() {
        subscriber.connect().onFailure(failure -> {
            LOG.warnf("Cannot listen for ingest notifications (%s); live streams re-check every few seconds meanwhile;"
                    + " trying again", failure.getMessage());
            vertx.setTimer(2000, ignored -> connect());
        });
    }

    private void received(String payload) {
        int newline = payload.indexOf('\n');
        try {
            UUID roomId = UUID.fromString(newline < 0 ? payload : payload.substring(0, newline));
            liveTracks.changed(roomId, newline < 0 ? null : payload.substring(newline + 1));
        } catch (IllegalArgumentException malformed) {
            LOG.warnf("Ignoring a malformed ingest notification: %s", payload);
        }
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (subscriber != null) {
            subscriber.close();
        }
    }
}
