package dev.reprise.platform.dependencies;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The reactive PostgreSQL pool with every wait bounded, which Quarkus' settings alone cannot do: without this a
 * query to a hung server (or one behind a dead network path) waits forever, and so does its HTTP request.
 * <ul>
 * <li>{@code reprise.datasource.connect-timeout}: opening a TCP connection;</li>
 * <li>{@code reprise.datasource.acquire-timeout}: waiting for a pooled connection when all are busy;</li>
 * <li>{@code reprise.datasource.socket-timeout}: a connection on which nothing is read or written for this long is
 * closed ({@link SilentConnectionCutter}), failing the statement it waits on. Connections idle in the pool are
 * retired well before that, so the cut only ever hits a server that stopped answering.</li>
 * </ul>
 * The failures these produce are reported as 503 {@code database-unavailable} ({@link DependencyFailures}).
 */
@ApplicationScoped
public class BoundedDatabasePool implements PgPoolCreator {

    private final Duration connectTimeout;
    private final Duration acquireTimeout;
    private final Duration socketTimeout;

    public BoundedDatabasePool(@ConfigProperty(name = "reprise.datasource.connect-timeout") Duration connectTimeout,
            @ConfigProperty(name = "reprise.datasource.acquire-timeout") Duration acquireTimeout,
            @ConfigProperty(name = "reprise.datasource.socket-timeout") Duration socketTimeout) {
        this.connectTimeout = connectTimeout;
        this.acquireTimeout = acquireTimeout;
        this.socketTimeout = socketTimeout;
    }

    @Override
    public Pool create(Input input) {
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            options.setConnectTimeout(millis(connectTimeout));
            options.setIdleTimeout(millis(socketTimeout)).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        }
        PoolOptions pool = input.poolOptions();
        pool.setConnectionTimeout(millis(acquireTimeout)).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        // Retire idle pooled connections at half the socket timeout, checking often enough that none outlives it.
        int retireAfter = millis(socketTimeout) / 2;
        int configuredIdle = (int) pool.getIdleTimeoutUnit().toMillis(pool.getIdleTimeout());
        if (configuredIdle <= 0 || configuredIdle > retireAfter) {
            pool.setIdleTimeout(retireAfter).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        }
        pool.setPoolCleanerPeriod(Math.min(pool.getPoolCleanerPeriod(), Math.max(100, retireAfter / 2)));
        PgPool created = PgPool.pool(input.vertx(), input.pgConnectOptionsList(), pool);
        created.connectHandler(connection -> {
            SilentConnectionCutter.install(connection);
            connection.close(); // hands the new connection to the pool
        });
        return created;
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }
}
