package dev.reprise.platform.outbox;

import dev.reprise.platform.sql.ConnectionKeepAlive;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A Kafka transactional id for this replica's relay, {@code <service>-outbox-<n>}, leased through a session-level
 * advisory lock held on a connection of its own for the replica's lifetime. A replica that dies loses its
 * session, and with it the lock; the next replica to start takes the same number, and its producer's
 * initTransactions fences the dead one's and aborts whatever transaction it left open at once, instead of every
 * reader of those partitions waiting for the transaction to time out.
 */
final class TransactionalIdLease {

    private static final Logger LOG = Logger.getLogger(TransactionalIdLease.class);
    /** Advisory lock class of the leases: "RF", beside the relay's slot locks ("RE"). */
    private static final int LOCK_CLASS = 0x5246;
    private static final int MAX_REPLICAS = 256;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final SqlConnection holder;
    private final String transactionalId;
    private final Cancellable keepAlive;
    private volatile boolean lost;

    private TransactionalIdLease(SqlConnection holder, String transactionalId) {
        this.holder = holder;
        this.transactionalId = transactionalId;
        // The lock lives as long as the session: keep the session from being cut as a silent one, and notice
        // when it ends anyway (the database restarted), so the relay leases again.
        this.keepAlive = ConnectionKeepAlive.start(holder, failure -> {
            lost = true;
            LOG.warnf("The lease of %s ended with its database session: %s", transactionalId, failure.toString());
        });
    }

    /** True once the session holding the lock has ended: another replica may now hold the same id. */
    boolean isLost() {
        return lost;
    }

    static TransactionalIdLease take(Pool pool, String service) {
        SqlConnection connection = pool.getConnection().await().atMost(TIMEOUT);
        try {
            for (int number = 0; number < MAX_REPLICAS; number++) {
                boolean taken = connection.preparedQuery("SELECT pg_try_advisory_lock($1, $2)")
                        .execute(Tuple.of(LOCK_CLASS, number)).await().atMost(TIMEOUT).iterator().next().getBoolean(0);
                if (taken) {
                    String id = service + "-outbox-" + number;
                    LOG.debugf("Leased the outbox transactional id %s", id);
                    return new TransactionalIdLease(connection, id);
                }
            }
        } catch (RuntimeException e) {
            connection.close().await().atMost(TIMEOUT);
            throw e;
        }
        connection.close().await().atMost(TIMEOUT);
        throw new IllegalStateException("More than " + MAX_REPLICAS + " relays of " + service + " hold a lease");
    }

    String transactionalId() {
        return transactionalId;
    }

    /** Ends the session, and the lock with it (a pooled connection would otherwise keep it). */
    void release() {
        keepAlive.cancel();
        try {
            holder.query("SELECT pg_advisory_unlock_all()").execute().await().atMost(TIMEOUT);
            holder.close().await().atMost(TIMEOUT);
        } catch (RuntimeException e) {
            LOG.debugf("Releasing the outbox transactional id: %s", e.toString());
        }
    }
}
