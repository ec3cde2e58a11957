package dev.reprise.platform.sql;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Keeps a checked-out connection talking while its holder legitimately waits on something else (the outbox
 * relay on the broker, a lease held for the service's lifetime): the pool cuts a connection that stays silent for
 * {@code reprise.datasource.socket-timeout}, which is how a hung database is told from a slow request.
 */
public final class ConnectionKeepAlive {

    /** Well under the shortest socket timeout any profile sets. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);

    private ConnectionKeepAlive() {
    }

    /**
     * Sends {@code SELECT 1} on {@code connection} every {@link #INTERVAL} until cancelled; {@code onLost} hears of
     * the first one that fails (the connection is gone).
     */
    public static Cancellable start(SqlConnection connection, Consumer<Throwable> onLost) {
        return Multi.createFrom().ticks().startingAfter(INTERVAL).every(INTERVAL)
                .onItem().transformToUniAndConcatenate(tick -> connection.query("SELECT 1").execute())
                .subscribe().with(ignored -> { }, onLost);
    }
}
